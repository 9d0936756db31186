/** Whether an IPv4 address (or an IPv4-mapped IPv6 one) lies in an IPv4 CIDR range. */
export function ipInCidr(address: string, cidr: string): boolean {
  const ip = toNumber(address.replace(/^::ffff:/, ''));
  const [base, bitsText] = cidr.split('/');
  const network = toNumber(base);
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (network === undefined || !(bits >= 0 && bits <= 32)) return false;
  if (bits === 0) return true;
  if (ip === undefined) return address === '::1' && network >>> (32 - bits) === 0x7f000001 >>> (32 - bits);
  return ip >>> (32 - bits) === network >>> (32 - bits);
}

function toNumber(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}
