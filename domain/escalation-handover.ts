/**
 * Who takes an escalation its rep did not acknowledge: the rep after them in the rotation
 * (`SALES_REPS`, in order, wrapping round), never the same person; when there is no other
 * rep (none configured, or only this one, or the rep is not in the list and the list is
 * empty), the sales manager; undefined when there is neither.
 */
export function handOverTo(
  reps: readonly string[],
  current: string | null,
  manager: string | undefined,
): string | undefined {
  const same = (a: string, b: string | null) => b !== null && a.toLowerCase() === b.toLowerCase();
  const others = reps.filter((rep) => !same(rep, current));
  if (others.length === 0) return manager !== undefined && !same(manager, current) ? manager : undefined;
  const at = reps.findIndex((rep) => same(rep, current));
  if (at === -1) return others[0];
  for (let step = 1; step <= reps.length; step++) {
    const next = reps[(at + step) % reps.length] as string;
    if (!same(next, current)) return next;
  }
  return others[0];
}
