import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { isoTime, pageFields, readPaging } from '../common/paging';
import { RpcAction, RpcContext } from '../rpc/rpc-action.decorator';
import { RpcParams } from '../rpc/rpc-params';
import { RegionsService } from '../regions/regions.service';
import { COMMAND_TYPES, CommandEntity } from './command.entity';
import { ContentEncoding, decodeCommandContent, readContentEncoding } from './command-content';
import { CommandsService } from './commands.service';

const NAME = { maxLength: 128, code: 'CmdName.ExceedLimit' } as const;
const DESCRIPTION = { maxLength: 512, code: 'CmdDesc.ExceedLimit' } as const;
const WORKING_DIR = { maxLength: 200 };
const MAX_TIMEOUT_SECONDS = 86400;

/** The command catalogue: CreateCommand, DescribeCommands, ModifyCommand, DeleteCommand. */
@Injectable()
export class CommandsActions {
  constructor(
    private readonly commands: CommandsService,
    private readonly regions: RegionsService,
  ) {}

  @RpcAction('CreateCommand', 'write')
  async createCommand({ params }: RpcContext): Promise<object> {
    const regionId = params.requiredString('RegionId');
    const name = params.requiredString('Name', NAME);
    const type = params.oneOf('Type', COMMAND_TYPES, { code: 'InvalidCmdType.NotFound' });
    if (!type) throw ApiError.missing('Type');
    const content = decodeCommandContent(params.requiredString('CommandContent', { maxLength: 64 * 1024 }), readContentEncoding(params));
    const input = {
      regionId,
      name,
      type,
      content,
      description: params.string('Description', DESCRIPTION),
      workingDir: params.string('WorkingDir', WORKING_DIR),
      timeout: readTimeout(params),
      enableParameter: params.bool('EnableParameter'),
    };
    await this.regions.assertExists(regionId);
    const command = await this.commands.create(input);
    return { CommandId: command.commandId };
  }

  @RpcAction('DescribeCommands', 'read')
  async describeCommands({ params }: RpcContext): Promise<object> {
    const regionId = params.requiredString('RegionId');
    const filter = {
      regionId,
      commandId: params.string('CommandId', { maxLength: 64 }),
      name: params.string('Name', { maxLength: 128 }),
      type: params.oneOf('Type', COMMAND_TYPES, { code: 'InvalidCommandType.NotFound' }),
    };
    const paging = readPaging(params, { defaultSize: 10, maxSize: 50 });
    const encoding = readContentEncoding(params);
    await this.regions.assertExists(regionId);
    const { commands, total } = await this.commands.list(filter, paging);
    return {
      Commands: { Command: commands.map((c) => describeCommand(c, encoding)) },
      ...pageFields(paging, total, commands.length),
    };
  }

  @RpcAction('ModifyCommand', 'write')
  async modifyCommand({ params }: RpcContext): Promise<object> {
    const regionId = params.requiredString('RegionId');
    const commandId = params.requiredString('CommandId', { maxLength: 64 });
    const content = params.string('CommandContent', { maxLength: 64 * 1024 });
    const changes = {
      name: params.string('Name', NAME),
      description: params.string('Description', DESCRIPTION),
      workingDir: params.string('WorkingDir', WORKING_DIR),
      timeout: readTimeout(params),
      content: content === undefined ? undefined : decodeCommandContent(content, readContentEncoding(params)),
    };
    await this.regions.assertExists(regionId);
    await this.commands.modify(regionId, commandId, changes);
    return {};
  }

  @RpcAction('DeleteCommand', 'write')
  async deleteCommand({ params }: RpcContext): Promise<object> {
    const regionId = params.requiredString('RegionId');
    const commandId = params.requiredString('CommandId', { maxLength: 64 });
    await this.regions.assertExists(regionId);
    await this.commands.delete(regionId, commandId);
    return {};
  }
}

export function readTimeout(params: RpcParams): number | undefined {
  const timeout = params.int('Timeout', { min: 10, code: 'InvalidParam.Timeout' });
  if (timeout !== undefined && timeout > MAX_TIMEOUT_SECONDS) throw new ApiError('InvalidTimeout.ExceedLimit');
  return timeout;
}


export function describeCommand(c: CommandEntity & { invokeTimes: number }, encoding: ContentEncoding): object {
  return {
    CommandId: c.commandId,
    Name: c.name,
    Description: c.description,
    Type: c.type,
    CommandContent: encoding === 'PlainText' ? c.content.toString('utf8') : c.content.toString('base64'),
    WorkingDir: c.workingDir,
    Timeout: c.timeout,
    EnableParameter: c.enableParameter,
    ParameterNames: { ParameterName: c.parameterNames },
    InvokeTimes: c.invokeTimes,
    CreationTime: isoTime(c.createdAt),
    Provider: '',
    Category: '',
    Version: 1,
    Latest: true,
  };
}
