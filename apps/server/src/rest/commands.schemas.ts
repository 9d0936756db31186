import { z } from 'zod';
import { CommandEntity } from '../commands/command.entity';
import { requestSchema, responseSchema } from './openapi';
import { iso, isoTime, pageOf, pagingQuery, regionIdQuery } from './rest-common';
import { resourceId, withCode } from '../common/fields';
import { decodeCommandContent } from '../commands/command-content';
import {
  commandContent,
  commandDescription as description,
  commandName,
  commandNameFilter,
  commandType,
  timeout as commandTimeout,
  workingDir,
} from '../commands/commands.input';

const name = () => commandName().meta({ example: 'restart-nginx' });
const content = () =>
  withCode(
    commandContent()
      .meta({ description: 'The script as UTF-8 text (at most 24 KB)', example: 'systemctl restart nginx' })
      .transform((text) => decodeCommandContent(text, 'PlainText')),
    'InvalidParameter.CommandContent',
  );
const timeout = () => commandTimeout().optional().meta({ description: 'Seconds, 10-86400 (default 60)' });

export const Command = responseSchema(
  'Command',
  z.object({
    commandId: z.string(),
    name: z.string(),
    type: commandType(),
    description: z.string(),
    content: z.string().meta({ description: 'The script, decoded as UTF-8 text' }),
    workingDir: z.string(),
    timeout: z.number().int(),
    enableParameter: z.boolean(),
    parameterNames: z.array(z.string()).meta({ description: 'The {{name}} parameters the content uses (with enableParameter)' }),
    createdAt: isoTime(),
    invokeTimes: z.number().int().meta({ description: 'Invocations made of this command' }),
  }),
);
export type CommandDto = z.output<typeof Command>;

export const CommandList = pageOf('CommandList', Command);

export const CreateCommandRequest = requestSchema(
  'CreateCommandRequest',
  z.strictObject({
    name: name(),
    type: withCode(commandType(), 'InvalidCmdType.NotFound'),
    content: content(),
    workingDir: workingDir().optional(),
    timeout: timeout(),
    description: description().optional(),
    enableParameter: withCode(z.boolean().optional(), 'InvalidParameter.EnableParameter'),
  }),
);

export const ModifyCommandRequest = requestSchema(
  'ModifyCommandRequest',
  z.strictObject({
    name: name().optional(),
    description: description().optional(),
    content: content().optional(),
    workingDir: workingDir().optional(),
    timeout: timeout(),
  }),
);

export const RegionQuery = z.object({ regionId: regionIdQuery });

export const ListCommandsQuery = z.object({
  regionId: regionIdQuery,
  name: commandNameFilter().optional().meta({ description: 'Exact name' }),
  type: withCode(commandType().optional(), 'InvalidCommandType.NotFound'),
  commandId: resourceId().optional(),
  ...pagingQuery,
});

export const commandIdParam = resourceId();

export function toCommandDto(command: CommandEntity, invokeTimes: number): CommandDto {
  return {
    commandId: command.commandId,
    name: command.name,
    type: command.type,
    description: command.description,
    content: command.content.toString('utf8'),
    workingDir: command.workingDir,
    timeout: command.timeout,
    enableParameter: command.enableParameter,
    parameterNames: command.parameterNames,
    createdAt: iso(command.createdAt),
    invokeTimes,
  };
}
