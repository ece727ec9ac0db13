// The `payhook` program: parses the command line, runs the command, and turns every failure
// into a message on stderr and an exit code (see errors.ts). bin/payhook.js runs this file.
import { CommanderError } from 'commander';
import { CliError, describeError, ExitCode } from './errors.js';
import { buildProgram } from './program.js';

async function main(argv: string[]): Promise<number> {
  // `payhook … | head` closes stdout early: that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(ExitCode.ok);
  });
  try {
    await buildProgram().parseAsync(argv);
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the problem and the usage already.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version'
        ? ExitCode.ok
        : ExitCode.usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`payhook: ${describeError(error)}\n`);
      return error.exitCode;
    }
    process.stderr.write(`payhook: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

const code = await main(process.argv);
// Exit once stdout is flushed; idle keep-alive sockets must not hold the process open.
if (process.stdout.writableLength === 0) process.exit(code);
else process.stdout.once('drain', () => process.exit(code));
