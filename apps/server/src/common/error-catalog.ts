/**
 * Every error code the service answers with, its HTTP status and its message — the one place
 * codes map to statuses. The InvokeCommand messages are Alibaba's, verbatim.
 */
export const ERROR_CATALOG = {
  // InvokeCommand
  'MissingParameter.RegionId': {
    status: 400,
    message: 'The input parameter \u201cRegionId\u201d that is mandatory for processing this request is not supplied.',
  },
  'MissingParameter.InstanceIds': {
    status: 400,
    message: 'The input parameter \u201cInstanceIds\u201d that is mandatory for processing this request is not supplied.',
  },
  'MissingParameter.CommandId': {
    status: 400,
    message: 'The input parameter \u201cCommandId\u201d that is mandatory for processing this request is not supplied.',
  },
  'MissingParameter.Frequency': {
    status: 400,
    message: 'The frequency parameter must exist when create a timed Invocation.',
  },
  'InvalidRegionId.NotFound': { status: 404, message: 'The RegionId provided does not exist in our items.' },
  'InvalidCmdId.NotFound': { status: 404, message: 'The specified commandId does not exist.' },
  'InvalidInstance.NotFound': { status: 404, message: 'The specified instances does not exist.' },
  'InvalidInstance.NotVpc': { status: 400, message: 'The specified instances must be VPC instances.' },
  InvalidInstanceStatus: {
    status: 400,
    message: 'The specified instance\u2019s status can not execute this operation',
  },
  'InvalidInstance.NoClient': {
    status: 400,
    message: 'The specified instances have no cloud assistant client installed.',
  },
  'InternalError.Dispatch': { status: 500, message: 'An internal error occurred when dispatching your request.' },

  // Further InvokeCommand validation (Alibaba's names where it has one)
  'InvalidParam.Frequency': { status: 400, message: 'The specified frequency is invalid.' },
  'InstanceIds.ExceedLimit': { status: 400, message: 'The number of instance IDs exceeds the upper limit.' },
  'InstanceIds.Duplicated': { status: 400, message: 'The specified instance IDs contain duplicates.' },
  'InvalidParam.RepeatMode': { status: 400, message: 'The specified parameter RepeatMode is invalid.' },
  'InvalidParameter.Parameters': { status: 400, message: 'The specified parameter Parameters is invalid.' },
  IdempotentParameterMismatch: {
    status: 403,
    message: 'The specified parameter has changed while using an already used clientToken.',
  },
  'InvalidParameter.InstanceIds': { status: 400, message: 'The specified parameter InstanceIds is invalid.' },
  'InvalidInstanceId.Malformed': { status: 400, message: 'The specified parameter InstanceId is malformed.' },
  'InvalidParam.Timeout': { status: 400, message: 'The specified parameter Timeout is invalid.' },
  'InvalidParam.Username': { status: 400, message: 'The specified parameter Username is invalid.' },
  'InvalidParam.ClientToken': { status: 400, message: 'The specified parameter ClientToken is invalid.' },
  'InvalidParam.MisfirePolicy': { status: 400, message: 'The specified parameter MisfirePolicy is invalid.' },
  'InvalidParam.Timed': { status: 400, message: 'The specified parameter Timed is invalid.' },
  'InvalidParam.Count': { status: 400, message: 'The specified parameter Count is invalid.' },

  // Commands, invocations, activations
  'InvalidInvokeId.NotFound': { status: 404, message: 'The specified invoke id does not exist.' },
  'InvalidRecordId.NotFound': { status: 404, message: 'The specified record does not exist on this instance.' },
  // Alibaba's codes for malformed catalogue values. This service answers every malformed value
  // with 400, so these keep Alibaba's names with that status (Alibaba itself answers some with 403/404).
  'InvalidCmdType.NotFound': { status: 400, message: 'The specified command type does not exist.' },
  'InvalidCommandType.NotFound': { status: 400, message: 'The specified parameter Type does not exist.' },
  'CmdName.ExceedLimit': { status: 400, message: 'The length of the command name exceeds the upper limit.' },
  'CmdDesc.ExceedLimit': { status: 400, message: 'The length of the command description exceeds the upper limit.' },
  'CmdContent.DecodeError': { status: 400, message: 'The CommandContent can not be base64 decoded.' },
  'CmdContent.ExceedLimit': { status: 400, message: 'The length of the command content exceeds the upper limit.' },
  'InvalidTimeout.ExceedLimit': { status: 400, message: 'The specified parameter Timeout exceeds the upper limit.' },
  'InvalidParam.PageSize': { status: 400, message: 'The specified parameter PageSize is invalid.' },
  'InvalidParam.PageNumber': { status: 400, message: 'The specified parameter PageNumber is invalid.' },
  'InvalidParameter.NextToken': { status: 400, message: 'The specified parameter NextToken is not valid.' },
  'ActivationId.NotFound': { status: 404, message: 'The specified activation id does not exist.' },
  'ActivationId.InUse': { status: 403, message: 'The specified activation id is in use.' },
  'ActivationLimitation.Invalid': { status: 400, message: 'The specified parameter InstanceCount exceeds the limit of 1000.' },
  'AddressRange.InvalidPattern': { status: 400, message: 'Address range should be ipv4 address or cidr.' },
  'ActivationDesc.ExceedLimit': { status: 400, message: 'Activation description length exceeds.' },
  'InvalidAcceptLanguage.NotFound': { status: 400, message: 'Only Chinese (zh-CN), English (en-US), and Japanese (ja) are allowed.' },
  'InvalidInstanceId.NotFound': { status: 404, message: 'The specified parameter InstanceId does not exist.' },
  'InvalidActivationId.NotFound': { status: 404, message: 'The specified activation does not exist.' },
  'InvalidActivationCode.Mismatch': { status: 403, message: 'The specified activation code is not valid.' },
  'Activation.Expired': { status: 400, message: 'The specified activation has expired.' },
  'Activation.Disabled': { status: 400, message: 'The specified activation is disabled.' },
  'Activation.ExceedLimit': {
    status: 400,
    message: 'The specified activation has registered its maximum number of instances.',
  },
  'Activation.IpAddressNotAllowed': { status: 403, message: 'The agent address is outside the activation IP range.' },
  'Activation.InstanceNotAllowed': {
    status: 403,
    message: 'The specified activation is limited to its listed instances and cannot register this one.',
  },
  'InvalidInstance.AgentRegistered': {
    status: 409,
    message: 'The specified instance already has a registered cloud assistant client; deregister it first (DeregisterManagedInstance).',
  },
  'InvalidInstance.RegionMismatch': {
    status: 400,
    message: 'The specified instance is registered in another region.',
  },
  'InvalidInstance.NoAgentRegistered': {
    status: 400,
    message: 'The specified instance has no registered cloud assistant client.',
  },
  'InvalidAccessKeyId.NotFound': { status: 404, message: 'Specified access key is not found.' },
  'InvalidAccessKeyId.InUse': {
    status: 400,
    message: 'The access key is the one signing this request and cannot delete itself.',
  },
  'InvalidParameter.Role': { status: 400, message: 'The specified role must be admin or readonly.' },

  // Transport and authentication
  'InvalidAction.NotFound': {
    status: 404,
    message: 'Specified api is not found, please check your url and method.',
  },
  'InvalidParameter.Format': { status: 400, message: 'The specified Format must be JSON or XML.' },
  'InvalidParameter.Action': { status: 400, message: 'The Action parameter and the x-acs-action header name different actions.' },
  'InvalidParameter.Version': { status: 400, message: 'The specified Version must be 2014-05-26.' },
  'InvalidParameter.Duplicate': { status: 400, message: 'A request parameter was given more than once.' },
  'InvalidParameter.TooMany': { status: 400, message: 'The request carries too many parameters.' },
  'InvalidParameter.Encoding': { status: 400, message: 'The request could not be decoded.' },
  RequestEntityTooLarge: { status: 413, message: 'The request body is larger than the limit.' },
  RequestHeaderFieldsTooLarge: { status: 431, message: 'The request line or headers are larger than the limit.' },
  RequestTimeout: { status: 408, message: 'The request was not received in full within the time limit.' },
  UnsupportedMediaType: {
    status: 415,
    message: 'The request body must be application/x-www-form-urlencoded.',
  },
  SignatureDoesNotMatch: {
    status: 400,
    message: 'Specified signature is not matched with our calculation.',
  },
  SignatureNonceUsed: { status: 400, message: 'Specified signature nonce was used already.' },
  'InvalidTimeStamp.Expired': {
    status: 400,
    message: 'Specified time stamp or date value is expired.',
  },
  'InvalidTimeStamp.Format': { status: 400, message: 'Specified time stamp or date value is not well formatted.' },
  IncompleteSignature: {
    status: 400,
    message: 'The request signature does not conform to Aliyun standards.',
  },
  InvalidSignatureMethod: { status: 400, message: 'Specified signature method is not supported.' },
  'Forbidden.RAM': {
    status: 403,
    message: "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
  },
  'Forbidden.AgentOnly': { status: 403, message: 'This action is reserved for agents.' },

  // The REST edge (/v1) authenticates with HTTP Basic, which has no signature to get wrong:
  // a missing or unreadable header, or a key and secret that do not match, is a 401.
  'Unauthorized.MissingCredentials': {
    status: 401,
    message: 'The request needs an Authorization header: Basic base64(AccessKeyId:AccessKeySecret).',
  },
  'Unauthorized.InvalidCredentials': { status: 401, message: 'The access key is unknown or its secret does not match.' },

  // Newer Alibaba gateways answer throttling with 429; the SDKs key on the code, whatever the status.
  'Throttling.User': { status: 429, message: 'Request was denied due to user flow control.' },
  // Failed authentication and agent registration, counted per source address and per claimed key or
  // activation id before the database is asked: brute force and lock-holding floods stop here.
  Throttling: { status: 429, message: 'Request was denied due to request throttling: too many failed attempts.' },
  ServiceUnavailable: { status: 503, message: 'The request has failed due to a temporary failure of the server.' },
  InternalError: { status: 500, message: 'The request processing has failed due to some unknown error.' },
} as const satisfies Record<string, ErrorDefinition>;

export interface ErrorDefinition {
  status: number;
  message: string;
}

/** A code with its own entry above. */
export type CatalogCode = keyof typeof ERROR_CATALOG;

/**
 * The families whose codes are built from a parameter's name (`MissingParameter.RegionId`,
 * `InvalidParameter.Role`): any parameter can be missing or malformed, so the catalogue cannot
 * list them all. Those without an entry are 400s, with a message naming the parameter.
 */
export const PARAMETER_FAMILIES = ['MissingParameter', 'InvalidParameter'] as const;
export type ParameterErrorCode = `${(typeof PARAMETER_FAMILIES)[number]}.${string}`;

/** Every code `ApiError` accepts: the compiler refuses a code that is neither listed nor a parameter family's. */
export type ErrorCode = CatalogCode | ParameterErrorCode;

const catalog: Readonly<Record<string, ErrorDefinition>> = ERROR_CATALOG;

/** For codes that arrive as data (a zod check's message, a row of SQL): whether the service may answer with it. */
export function isErrorCode(value: string): value is ErrorCode {
  return catalogEntry(value) !== undefined || PARAMETER_FAMILIES.some((family) => value.startsWith(`${family}.`) && value.length > family.length + 1);
}

/** A code that arrived as data, or InternalError if it is none the service may answer with. */
export function toErrorCode(value: string): ErrorCode {
  return isErrorCode(value) ? value : 'InternalError';
}

/** The entry listed for `code`, if it has its own. */
export function catalogEntry(code: string): ErrorDefinition | undefined {
  return Object.hasOwn(catalog, code) ? catalog[code] : undefined;
}

/** The catalogue's status and message for `code`; a parameter family's code without an entry is a 400. */
export function errorDefinition(code: ErrorCode): ErrorDefinition {
  return catalogEntry(code) ?? { status: 400, message: code };
}
