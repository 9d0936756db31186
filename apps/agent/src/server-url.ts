import { isIPv4 } from 'node:net';

/** The agent runs what its server sends as root, so who it talks to matters. */
export class InsecureServerError extends Error {}

function isLoopback(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]') return true;
  return isIPv4(hostname) && hostname.startsWith('127.');
}

/**
 * The server URL the agent may use: any https:// one (the certificate is checked when
 * connecting), plain http:// only to this machine, or anywhere with `insecureHttp`: over plain
 * HTTP, anyone on the path between agent and service could hand the agent a command to run as
 * root. Called before any connection is opened.
 */
export function checkServerUrl(server: string, insecureHttp: boolean): URL {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new InsecureServerError(`--server ${server} is not a URL`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol !== 'http:') throw new InsecureServerError(`--server ${server}: only https:// (or http:// to this machine) is supported`);
  if (isLoopback(url.hostname) || insecureHttp) return url;
  throw new InsecureServerError(
    `refusing plain http:// to ${url.host}: anyone between this machine and the service could send commands this agent would run as root. ` +
      'Use https:// (with --ca-file for a private CA), or pass --insecure-http to accept that risk.',
  );
}
