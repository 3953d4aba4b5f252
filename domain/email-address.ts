/** An address a mail server accepts (deliberately plain, not every RFC 5322 form). */
export const EMAIL_PATTERN = '^[^\\s@<>()\\[\\],;:"]+@[^\\s@<>()\\[\\],;:"]+\\.[^\\s@<>()\\[\\],;:"]+$';
