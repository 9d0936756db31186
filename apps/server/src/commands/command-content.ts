import { ApiError } from '../common/api-error';

export type ContentEncoding = 'Base64' | 'PlainText';

/** Alibaba's limit on a command's content, after Base64 decoding. */
export const MAX_COMMAND_CONTENT_BYTES = 24 * 1024;

export function decodeCommandContent(value: string, encoding: ContentEncoding = 'Base64'): Buffer {
  let content: Buffer;
  if (encoding === 'PlainText') {
    content = Buffer.from(value, 'utf8');
  } else {
    const compact = value.replace(/\s+/g, '');
    if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) throw new ApiError('CmdContent.DecodeError');
    content = Buffer.from(compact, 'base64');
  }
  if (content.length === 0) throw ApiError.missing('CommandContent');
  if (content.length > MAX_COMMAND_CONTENT_BYTES) {
    throw new ApiError('CmdContent.ExceedLimit', `The length of the command content exceeds the upper limit: it exceeds ${MAX_COMMAND_CONTENT_BYTES} bytes.`);
  }
  return content;
}

const PARAMETER_PATTERN = /\{\{\s*([A-Za-z0-9_-]{1,64})\s*\}\}/g;

/** The custom parameter names `{{name}}` a command's content uses, in first-use order. */
export function parameterNamesOf(content: Buffer): string[] {
  const names = new Set<string>();
  for (const match of content.toString('utf8').matchAll(PARAMETER_PATTERN)) names.add(match[1]);
  return [...names];
}

/** Fills `{{name}}` from `values`; refuses a parameter the command does not declare or leaves unset. */
export function renderCommandContent(content: Buffer, declared: string[], values: Record<string, string>): Buffer {
  const unknown = Object.keys(values).filter((name) => !declared.includes(name));
  if (unknown.length > 0) {
    throw new ApiError('InvalidParameter.Parameters', `The command does not declare the parameters: ${unknown.join(', ')}`);
  }
  // Own keys only: `{{constructor}}` must not be filled from Object.prototype.
  const missing = declared.filter((name) => !Object.hasOwn(values, name));
  if (missing.length > 0) {
    throw new ApiError('InvalidParameter.Parameters', `The parameters have no value: ${missing.join(', ')}`);
  }
  if (declared.length === 0) return content;
  const text = content.toString('utf8');
  // Measured before it is built: a short command repeating {{a}} would otherwise be rendered
  // (and stored, once per invocation) at many times the limit before anything refused it.
  const valueOf = (whole: string, name: string): string => (Object.hasOwn(values, name) ? values[name] : whole);
  let size = Buffer.byteLength(text);
  for (const [whole, name] of text.matchAll(PARAMETER_PATTERN)) size += Buffer.byteLength(valueOf(whole, name)) - Buffer.byteLength(whole);
  if (size > MAX_COMMAND_CONTENT_BYTES) {
    throw new ApiError(
      'CmdContent.ExceedLimit',
      `The length of the command content exceeds the upper limit: with its parameters filled in it is ${size} bytes, over ${MAX_COMMAND_CONTENT_BYTES}.`,
    );
  }
  return Buffer.from(text.replace(PARAMETER_PATTERN, valueOf));
}
