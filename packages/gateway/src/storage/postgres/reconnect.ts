// A dedicated connection (the LISTEN connection, an owner's lock) comes back after a server
// restart or a cut: try again every half second until it works or its owner stops it.

const RECONNECT_MS = 500;

export class Reconnector {
  private timer: NodeJS.Timeout | undefined;
  private cancelled = false;

  constructor(
    private readonly connect: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Connects again after a pause, and again after each failure, until cancel(). */
  schedule(): void {
    if (this.cancelled) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.connect().catch((error: unknown) => {
        this.onError(error);
        this.schedule();
      });
    }, RECONNECT_MS);
    // A pending reconnection never keeps the process alive.
    this.timer.unref();
  }

  cancel(): void {
    this.cancelled = true;
    clearTimeout(this.timer);
  }
}
