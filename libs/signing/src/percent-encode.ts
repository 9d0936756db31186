/** Characters encodeURIComponent leaves alone but Alibaba's encoding escapes. */
const SUB_DELIM = /[!'()*]/;
const SUB_DELIMS = /[!'()*]/g;
/** Most names and values (ids, enums, numbers) need no escaping at all: skip the work. */
const UNRESERVED_ONLY = /^[A-Za-z0-9_.~-]*$/;

/**
 * Alibaba's percent-encoding (RFC 3986 unreserved set kept): UTF-8, everything but
 * `A-Z a-z 0-9 - _ . ~` escaped, space as %20 and `*` as %2A. Both signature versions use it.
 */
export function percentEncode(value: string): string {
  if (UNRESERVED_ONLY.test(value)) return value;
  const encoded = encodeURIComponent(value);
  return SUB_DELIM.test(encoded) ? encoded.replace(SUB_DELIMS, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()) : encoded;
}
