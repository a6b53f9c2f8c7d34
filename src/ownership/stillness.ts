/**
 * Whether the view has been still long enough for one owner's answer to be
 * the answer (DESIGN.md "Ownership"): no join, leave or death — and no owner
 * that failed a request — for the hand-off grace. Until then a read asks
 * every owner, and the owners of a moment ago: a newcomer may not have been
 * filled yet, an owner that rejoined may lag the other, a write may have
 * missed the owner that failed it.
 */
export class Stillness {
  private readonly graceMs: number
  private readonly now: () => number
  /** Not still before this. */
  private until: number
  /** Once still, still until disturbed: most reads then need no clock. */
  private settled = false

  /** A peer starts unsettled: it is joining. */
  constructor (graceMs: number, now: () => number) {
    this.graceMs = graceMs
    this.now = now
    this.until = now() + graceMs
  }

  /** The view changed, or an owner failed a request: settle again, over `graces` hand-off graces from now. */
  disturb (graces = 1): void {
    this.until = Math.max(this.until, this.now() + graces * this.graceMs)
    this.settled = false
  }

  get still (): boolean {
    if (!this.settled && this.now() >= this.until) this.settled = true
    return this.settled
  }
}
