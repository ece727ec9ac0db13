// The one shape of time the packages share: a value passed in, so tests can move it.
// Reading it is the caller's business (the gateway's systemClock, the kit's Date.now default);
// protocol only names it.

/** Milliseconds since the epoch, read when asked. An option that takes only the reading is `Clock['now']`. */
export interface Clock {
  now(): number;
}
