/** `--Name value` pairs into parameters; `--Name=value` works too. */
export function parseCliParameters(args: string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--') || arg.length < 3) throw new Error(`expected --<Param>, got ${arg}`);
    const eq = arg.indexOf('=');
    if (eq > 0) {
      params[arg.slice(2, eq)] = arg.slice(eq + 1);
      continue;
    }
    if (i + 1 >= args.length) throw new Error(`${arg} needs a value`);
    params[arg.slice(2)] = args[++i];
  }
  return params;
}
