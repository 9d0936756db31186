import { z } from 'zod';
import { anyRegionId, catalogued, int, oneOf, resourceId, text, withCode } from '../common/fields';
import { derived, readPagingInto, rpcInput } from '../actions/rpc-input';
import { COMMAND_TYPES } from './command.entity';
import { decodeCommandContent } from './command-content';
import type { Paging } from '../common/paging';

/** A command's fields, with Alibaba's limits and codes, for both edges. */
const COMMAND_NAME_MAX_LENGTH = 128;
export const commandName = () => text(COMMAND_NAME_MAX_LENGTH, { tooLong: 'CmdName.ExceedLimit' });
/** A command name where it only filters or labels (no CmdName code: Alibaba answers InvalidParameter there). */
export const commandNameFilter = () => text(COMMAND_NAME_MAX_LENGTH);
export const commandDescription = () => text(512, { tooLong: 'CmdDesc.ExceedLimit', allowEmpty: true });
/** The content as sent (Base64 or plain text); its decoded size is checked by decodeCommandContent. */
export const commandContent = () => text(64 * 1024, { allowEmpty: true });
export const workingDir = () => text(200, { allowEmpty: true });
export const MAX_TIMEOUT_SECONDS = 86400;
export const timeout = () => withCode(int({ min: 10, max: MAX_TIMEOUT_SECONDS, tooBig: catalogued('InvalidTimeout.ExceedLimit') }), 'InvalidParam.Timeout');
export const commandType = () => z.enum(COMMAND_TYPES);
/** `ContentEncoding`, any case; its default differs by action (RunCommand: PlainText, others: Base64). */
export const contentEncoding = () => oneOf(['Base64', 'PlainText'] as const, { caseInsensitive: true });

/** Decodes CommandContent as ContentEncoding says, once both are valid. */
function decodeContent(input: { CommandContent?: string; ContentEncoding?: 'Base64' | 'PlainText'; Content?: Buffer }): void {
  if (input.CommandContent !== undefined) input.Content = decodeCommandContent(input.CommandContent, input.ContentEncoding);
}

const createCommand = z.object({
  RegionId: anyRegionId(),
  Name: commandName(),
  Type: withCode(commandType(), 'InvalidCmdType.NotFound'),
  CommandContent: commandContent(),
  ContentEncoding: contentEncoding().default('Base64'),
  Content: derived<Buffer>(),
  Description: commandDescription().optional(),
  WorkingDir: workingDir().optional(),
  Timeout: timeout().optional(),
  EnableParameter: z.boolean().optional(),
});
export const CreateCommandInput = rpcInput(createCommand, { order: ['RegionId', 'Name', 'Type', 'CommandContent', 'ContentEncoding', decodeContent] });
export type CreateCommandInput = z.output<typeof createCommand>;

const describeCommands = z.object({
  RegionId: anyRegionId(),
  CommandId: resourceId().optional(),
  Name: commandNameFilter().optional(),
  Type: withCode(commandType().optional(), 'InvalidCommandType.NotFound'),
  Paging: derived<Paging>(),
  ContentEncoding: contentEncoding().default('Base64'),
});
export const DescribeCommandsInput = rpcInput(describeCommands, {
  order: ['RegionId', 'CommandId', 'Name', 'Type', readPagingInto({ defaultSize: 10, maxSize: 50 }), 'ContentEncoding'],
});
export type DescribeCommandsInput = z.output<typeof describeCommands>;

const modifyCommand = z.object({
  RegionId: anyRegionId(),
  CommandId: resourceId(),
  CommandContent: commandContent().optional(),
  Name: commandName().optional(),
  Description: commandDescription().optional(),
  WorkingDir: workingDir().optional(),
  Timeout: timeout().optional(),
  ContentEncoding: contentEncoding().default('Base64'),
  Content: derived<Buffer>(),
});
export const ModifyCommandInput = rpcInput(modifyCommand, {
  // ContentEncoding means something only with a new content: otherwise it is ignored, not refused.
  order: [
    'RegionId',
    'CommandId',
    'CommandContent',
    'Name',
    'Description',
    'WorkingDir',
    'Timeout',
    { field: 'ContentEncoding', if: (input) => input.CommandContent !== undefined },
    decodeContent,
  ],
});
export type ModifyCommandInput = z.output<typeof modifyCommand>;

const deleteCommand = z.object({ RegionId: anyRegionId(), CommandId: resourceId() });
export const DeleteCommandInput = rpcInput(deleteCommand);
export type DeleteCommandInput = z.output<typeof deleteCommand>;
