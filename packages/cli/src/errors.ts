// The CLI's few failures, each with its exit code, built here and printed in one place (main.ts).

/** Exit codes: a script can tell "the gateway said no" from "nobody answered" from "you typed it wrong". */
export const ExitCode = {
  ok: 0,
  /** The gateway answered with an error envelope. */
  gatewayError: 1,
  /** Bad arguments or configuration. */
  usage: 2,
  /** The gateway could not be reached, or did not answer like a payhook gateway. */
  unreachable: 3,
} as const;

export abstract class CliError extends Error {
  abstract readonly exitCode: number;

  constructor(message: string) {
    super(message);
    // Each subclass is named after itself (UsageError, GatewayError…) without restating it.
    this.name = new.target.name;
  }
}

/** Bad arguments or configuration: the message says what to fix. */
export class UsageError extends CliError {
  readonly exitCode = ExitCode.usage;
}

/** No connection, or no answer in time. */
export class UnreachableError extends CliError {
  readonly exitCode = ExitCode.unreachable;
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`cannot reach the gateway at ${url} (${reason})`);
  }
}

/** Something answered, but not with MixPay's envelope: no payhook gateway (exits as unreachable). */
export class BadAnswerError extends CliError {
  readonly exitCode = ExitCode.unreachable;
}

/** The gateway answered `success: false`: its code and message, as MixPay's envelope has them. */
export class GatewayError extends CliError {
  readonly exitCode = ExitCode.gatewayError;
  constructor(
    readonly code: number,
    readonly gatewayMessage: string,
    readonly httpStatus: number,
  ) {
    super(`error ${code}: ${gatewayMessage}`);
  }
}

/** The text printed for an error, with a hint where one helps. */
export function describeError(error: CliError): string {
  if (error instanceof GatewayError && error.httpStatus === 401) {
    return `${error.message}\nhint: pass --token <admin token> or set PAYHOOK_ADMIN_TOKEN`;
  }
  if (
    error instanceof GatewayError &&
    error.code === 404 &&
    /^no route for \S+ \/v1\/sandbox\//.test(error.gatewayMessage)
  ) {
    return `${error.message}\nhint: the sandbox is off on this gateway (production mode without PAYHOOK_SANDBOX=1)`;
  }
  return error.message;
}

/** The request makes no sense for the payment as it stands (e.g. `trigger success` on a failed payment). */
export class RefusedError extends CliError {
  readonly exitCode = ExitCode.gatewayError;
}
