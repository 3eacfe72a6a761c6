/**
 * What a command prints when it fails. A failure the user can fix (the configuration, a port or
 * a data directory another process holds, a service that is not running) says what is wrong and
 * what to do, without a stack; anything else is a bug and keeps its stack.
 */
import { ProblemsError } from '@agentmeter/conventions';
import {
  DataDirectoryInUseError,
  describeSetting,
  ListenError,
  RepriceError,
} from '@agentmeter/store';
import { AlertsCommandError } from './alerts-command.js';
import { NotRunningError } from './demo.js';
import { describeProcess, portHolder } from './holders.js';

/** The settings that choose each listener's address: environment variable, then config key. */
const LISTENER_SETTINGS = {
  otlp: { host: 'ingester.host', port: 'ingester.port' },
  clickhouseHttp: { host: 'clickhouseHttp.host', port: 'clickhouseHttp.port' },
  alerting: { host: 'alerting.host', port: 'alerting.port' },
} as const;

export type ListenerName = keyof typeof LISTENER_SETTINGS;

/** Where the embedded engine's data directory is set. */
const DATA_DIR_SETTING = 'clickhouse.dataPath';

/** One of `start`'s listeners could not take its address; the message names the setting. */
export class ServiceListenError extends Error {
  readonly code = 'AGENTMETER_LISTEN_FAILED';

  constructor(
    listener: ListenerName,
    cause: ListenError,
    /** Who listens there, when it could be found. */
    holder: string | undefined,
  ) {
    const { host, port } = LISTENER_SETTINGS[listener];
    super(
      cause.addressInUse
        ? `the ${cause.what} cannot listen on ${cause.host}:${cause.port}: ${holder ?? 'another program (or another agentmeter)'} listens there.\n` +
            `  Stop it, or set ${describeSetting(port)} to a free port.`
        : `${cause.message}\n  Set ${describeSetting(host)} and ${describeSetting(port)} to an address agentmeter may listen on.`,
      { cause },
    );
  }
}

/** For a listener's start: a ListenError becomes a ServiceListenError, anything else passes. */
export function listenerFailed(listener: ListenerName): (err: unknown) => never {
  return (err) => {
    if (!(err instanceof ListenError)) throw err;
    const pid = err.addressInUse ? portHolder(err.port) : undefined;
    throw new ServiceListenError(
      listener,
      err,
      pid === undefined ? undefined : describeProcess(pid),
    );
  };
}

/** The text printed for a failed command. */
export function describeFailure(err: unknown): string {
  if (err instanceof DataDirectoryInUseError)
    return (
      `the data directory ${err.dataPath} is in use by another agentmeter (or chdb process): ${describeProcess(err.pid)}.\n` +
      `  Stop it, or set ${describeSetting(DATA_DIR_SETTING)} to another directory.\n`
    );
  if (
    err instanceof ProblemsError ||
    err instanceof RepriceError ||
    err instanceof ServiceListenError ||
    err instanceof NotRunningError ||
    err instanceof AlertsCommandError
  )
    return `${err.message}\n`;
  return `agentmeter: ${(err as Error).stack ?? err}\n`;
}
