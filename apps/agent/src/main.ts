import { parseArgs } from 'node:util';
import { AgentState } from './agent-state';
import { AgentRunner } from './agent-runner';
import { register } from './register';

const USAGE = `usage:
  npm run agent -- register --server URL --region REGION --activation-id ID --activation-code CODE [--instance-id ID] --state-dir DIR
  npm run agent -- run --state-dir DIR`;

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
    },
    strict: true,
  });
  const required = (name: keyof typeof values): string => {
    const value = values[name];
    if (!value) throw new UsageError(`--${name} is required`);
    return value;
  };
  switch (command) {
    case 'register': {
      const registered = await register({
        server: required('server'),
        region: required('region'),
        activationId: required('activation-id'),
        activationCode: required('activation-code'),
        instanceId: values['instance-id'],
        stateDir: required('state-dir'),
      });
      console.log(JSON.stringify({ InstanceId: registered.InstanceId, StateDir: values['state-dir'] }));
      return;
    }
    case 'run': {
      const state = new AgentState(required('state-dir'));
      const runner = new AgentRunner(state.readCredentials(), state.dir, (line) => console.log(`${new Date().toISOString()} ${line}`));
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

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  console.error(`agent: ${(error as Error).message}`);
  process.exit(1);
});
