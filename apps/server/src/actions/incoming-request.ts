/** What the RPC edge hands to authentication: the request as the client signed it. */
export interface IncomingRpcRequest {
  method: string;
  path: string;
  /** Decoded query parameters. */
  query: Map<string, string>;
  /** Query and form body merged. */
  params: Map<string, string>;
  rawBody: Buffer;
  /** Header values by lower-case name. */
  headers: Record<string, string | undefined>;
}
