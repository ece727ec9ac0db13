// `payhook gateway` flags: one per setting of the gateway (@payhook/gateway/settings), each
// overriding its environment variable. The gateway's own loadConfig validates the values, so the
// rules live in one place; a setting added there is a flag here without a change.
import { GATEWAY_SETTINGS } from '@payhook/gateway/settings';
import { type Command, Option } from 'commander';

const SETTINGS = Object.entries(GATEWAY_SETTINGS).map(([env, setting]) => ({
  env,
  setting,
  /** Commander's camelCase key of the parsed value: `databaseUrl` for `--database-url <url>`. */
  key: new Option(setting.flag).attributeName(),
}));

/** Adds a flag per setting to `command`; a switch gets `--name` and `--no-name`. */
export function addGatewayFlags(command: Command): Command {
  for (const { env, setting } of SETTINGS) {
    if ('switch' in setting) {
      command.option(setting.flag, `${setting.help} (${env}=${setting.switch.on})`);
      command.option(setting.flag.replace(/^--/, '--no-'), `${setting.switch.offHelp} (${env}=${setting.switch.off})`);
    } else {
      command.option(setting.flag, `${setting.help} (${env})`);
    }
  }
  return command;
}

/** Environment overrides from the flags commander parsed; flags not given are left out. */
export function envFromFlags(values: Record<string, unknown>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { env: name, setting, key } of SETTINGS) {
    const value = values[key];
    if (typeof value === 'string') env[name] = value;
    else if (typeof value === 'boolean' && 'switch' in setting) {
      env[name] = value ? setting.switch.on : setting.switch.off;
    }
  }
  return env;
}
