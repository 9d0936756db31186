/**
 * Alibaba's percent-encoding (RFC 3986 unreserved set kept): UTF-8, everything but
 * `A-Z a-z 0-9 - _ . ~` escaped, space as %20 and `*` as %2A. Both signature versions use it.
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}
