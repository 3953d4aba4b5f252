/** A UUID in any case: the form of every id PostgreSQL generates here. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `text` can be a uuid column's value; PostgreSQL raises on anything else. */
export const isUuid = (text: string): boolean => UUID_PATTERN.test(text);
