/**
 * What this command changed outside the process besides Canvas (GitHub comments, check runs,
 * commit statuses, pull requests, a pushed branch), so that an error never says "nothing was
 * written" after something was. Canvas uploads are tracked by apply itself (apply/apply-state.ts).
 */
const done: string[] = [];

export function noteSideEffect(what: string): void {
  if (!done.includes(what)) done.push(what);
}

export function sideEffectsSoFar(): readonly string[] {
  return done;
}

/** A new command starts with none (`main` may run several in one process). */
export function forgetSideEffects(): void {
  done.length = 0;
}
