// An interruptible sleep for background loops: sleep until a deadline, or until notify().
// A notify() that lands while the loop is busy is remembered, so no wake-up is lost.

export class Wakeable {
  private pending = false;
  private wake: (() => void) | null = null;

  notify(): void {
    if (this.wake) this.wake();
    else this.pending = true;
  }

  sleep(ms: number): Promise<void> {
    if (this.pending || ms <= 0) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wake = null;
        self.pending = false;
        resolve();
      }
      this.wake = done;
    });
  }
}
