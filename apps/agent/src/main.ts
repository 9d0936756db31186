import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AgentState } from './agent-state';
import { AgentRunner } from './agent-runner';
import { register } from './register';
import { checkServerUrl, InsecureServerError } from './server-url';

const USAGE = `usage:
  npm run agent -- register --server URL --region REGION --activation-id ID --activation-code CODE [--instance-id ID] --state-dir DIR [--ca-file PEM] [--insecure-http]
  npm run agent -- run --state-dir DIR [--ca-file PEM] [--insecure-http]
  --server https://… is checked against the system CAs, or only against --ca-file (register stores
  it in DIR for later runs; run --ca-file replaces the stored one). Plain http:// is refused unless
  the server is this machine (127.0.0.0/8, ::1, localhost) or --insecure-http is given.`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      server: { type: 'string' },
      region: { type: 'string' },
      'activation-id': { type: 'string' },
      'activation-code': { type: 'string' },
      'instance-id': { type: 'string' },
      'state-dir': { type: 'string' },
      'ca-file': { type: 'string' },
      'insecure-http': { type: 'boolean' },
    },
    strict: true,
  });
  const required = (name: Exclude<keyof typeof values, 'insecure-http'>): string => {
    const value = values[name];
    if (!value) throw new UsageError(`--${name} is required`);
    return value;
  };
  const insecureHttp = values['insecure-http'] ?? false;
  const ca = values['ca-file'] === undefined ? undefined : readCa(values['ca-file']);
  switch (command) {
    case 'register': {
      checkServerUrl(required('server'), insecureHttp);
      const registered = await register({
        server: required('server'),
        region: required('region'),
        activationId: required('activation-id'),
        activationCode: required('activation-code'),
        instanceId: values['instance-id'],
        stateDir: required('state-dir'),
        ca,
        log: (line) => console.error(line),
      });
      console.log(JSON.stringify({ InstanceId: registered.InstanceId, StateDir: values['state-dir'] }));
      return;
    }
    case 'run': {
      const state = new AgentState(required('state-dir'));
      const credentials = state.readCredentials();
      checkServerUrl(credentials.server, insecureHttp);
      if (ca) credentials.ca = ca;
      const runner = new AgentRunner(credentials, state.dir, (line) => console.log(`${new Date().toISOString()} ${line}`));
      const stop = (): void => {
        void runner.shutdown().then(() => process.exit(0));
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      await runner.run();
      return;
    }
    default:
      throw new UsageError(command ? `unknown command ${command}` : 'a command is required');
  }
}

class UsageError extends Error {}

function readCa(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--ca-file ${file}: ${(error as Error).message}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--ca-file ${file} holds no PEM certificate`);
  return pem;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (error instanceof InsecureServerError) {
    console.error(`agent: ${error.message}`);
    process.exit(2);
  }
  console.error(`agent: ${describeFailure(error as Error & { code?: string })}`);
  process.exit(1);
});

/** fetch-style wrappers hide the TLS reason; name it, since it is what the operator must fix. */
function describeFailure(error: Error & { code?: string }): string {
  const code = error.code ?? (error.cause as { code?: string } | undefined)?.code;
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
    return `TLS certificate check failed (${code}): ${error.message}. Pass the server's CA with --ca-file, or fix the server's certificate.`;
  }
  return error.message;
}
