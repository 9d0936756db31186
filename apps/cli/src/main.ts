import { RpcClient } from '@ca/signing';
import { parseCliParameters } from './cli-parameters';
import { resolveProfile } from './cli-credentials';

const USAGE = `usage: npm run cli -- <Action> [--<Param> <value> …]
  e.g. npm run cli -- DescribeRegions
       npm run cli -- InvokeCommand --RegionId cn-hangzhou --CommandId c-… --InstanceIds '["i-…"]'
  Signs with ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET or the server's generated ./.data/credentials.json;
  talks to CLOUD_ASSISTANT_ENDPOINT (default: the credentials file's endpoint, else http://127.0.0.1:8080).
  An https:// endpoint is checked against the system CAs; for a private CA, run with
  NODE_EXTRA_CA_CERTS=/path/to/ca.pem.`;

async function main(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (!action || action === '--help' || action === '-h') {
    console.log(USAGE);
    return action ? 0 : 2;
  }
  const params = parseCliParameters(rest);
  const profile = resolveProfile();
  const client = new RpcClient(profile);
  const response = await client.callRaw(action, params);
  const text = response.text;
  let printed = text;
  try {
    printed = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // XML (Format=XML) is printed as it came.
  }
  const ok = response.status < 400;
  (ok ? console.log : console.error)(printed);
  return ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`cli: ${(error as Error).message}`);
    process.exit(2);
  },
);
