/**
 * The `thunderline` command: dispatches to `start`, `status`, `history`, `watch` and `prune`; `--help`
 * and `--version` everywhere. A composition root: it puts the kernel and the Thunderline tree
 * together through `start`.
 *
 * @example
 * thunderline start --tick-interval 1000
 * thunderline status --db ./thunderline.db --json
 */
import { pathToFileURL } from 'node:url';
import { VERSION } from '../version.ts';
import { PRUNE_HELP, runPrune } from './prune.ts';
import { HISTORY_HELP, runHistory, runStatus, STATUS_HELP } from './read-commands.ts';
import { runStart, START_HELP } from './start.ts';
import { type CliIo, EXIT, processIo, reportError, usageError } from './usage-error.ts';
import { runWatch } from './watch.ts';

const COMMANDS = ['start', 'status', 'history', 'watch', 'prune'] as const;

// `thunderline history | head`: a reader that closes the pipe early is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

/** Top-level help. */
export const MAIN_HELP = `thunderline ${VERSION}: an OTP-style actor runtime for Node.js

Usage: thunderline <command> [flags]

Commands:
  start     run the Thunderline application tree (dashboard on http://127.0.0.1:4100/)
  status    one row per domain from the SQLite registry
  history   domain status changes, newest first
  watch     print the live event stream
  prune     delete ledger rows older than a date (no runtime on the file)

Run "thunderline <command> --help" for a command's flags.
Exit codes: 0 ok, 1 the runtime failed, 2 bad usage or configuration.`;

/** Runs the CLI with `argv` (without node and script); resolves with the exit code. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.out(MAIN_HELP);
      return command === undefined ? EXIT.usage : EXIT.ok;
    }
    if (command === '--version' || command === '-v') {
      io.out(VERSION);
      return EXIT.ok;
    }
    switch (command) {
      case 'start':
        return await runStart(rest, io);
      case 'status':
        return await runStatus(rest, io);
      case 'history':
        return await runHistory(rest, io);
      case 'watch':
        return await runWatch(rest, io);
      case 'prune':
        return runPrune(rest, io);
      default:
        throw usageError(`unknown command ${JSON.stringify(command)}; commands: ${COMMANDS.join(', ')}`);
    }
  } catch (error) {
    return reportError(io, error);
  }
}

export { HISTORY_HELP, PRUNE_HELP, START_HELP, STATUS_HELP };

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // Everything was stopped; a stray handle (a slow socket) must not keep the CLI alive.
    setTimeout(() => process.exit(code), 2000).unref();
  });
}
