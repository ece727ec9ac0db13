// A gate a test holds shut to keep work "under way" (a lookup, a request) until it says so.
export interface Gate {
  /** Resolves once `open` is called. */
  readonly opened: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}
