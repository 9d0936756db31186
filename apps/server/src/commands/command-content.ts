import { ApiError } from '../api/api-error';
import { RpcParams } from '../api/rpc-params';

export type ContentEncoding = 'Base64' | 'PlainText';

/** `ContentEncoding`, any case; its default differs by action (RunCommand: PlainText, others: Base64). */
export function readContentEncoding(params: RpcParams, fallback: ContentEncoding = 'Base64'): ContentEncoding {
  return params.oneOf('ContentEncoding', ['Base64', 'PlainText'] as const, { caseInsensitive: true }) ?? fallback;
}

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
  const missing = declared.filter((name) => !(name in values));
  if (missing.length > 0) {
    throw new ApiError('InvalidParameter.Parameters', `The parameters have no value: ${missing.join(', ')}`);
  }
  if (declared.length === 0) return content;
  return Buffer.from(content.toString('utf8').replace(PARAMETER_PATTERN, (whole, name: string) => values[name] ?? whole));
}
