import { Injectable } from '@nestjs/common';
import { isoTime, pageFields } from '../common/paging';
import { RpcAction, RpcContext } from '../actions/rpc-action.decorator';
import { CommandEntity } from './command.entity';
import { ContentEncoding } from './command-content';
import { CommandsService } from './commands.service';
import { CreateCommandInput, DeleteCommandInput, DescribeCommandsInput, ModifyCommandInput } from './commands.input';

/** The command catalogue: CreateCommand, DescribeCommands, ModifyCommand, DeleteCommand. */
@Injectable()
export class CommandsActions {
  constructor(private readonly commands: CommandsService) {}

  @RpcAction('CreateCommand', 'write', { input: CreateCommandInput, region: 'required' })
  async createCommand({ input }: RpcContext<CreateCommandInput>): Promise<object> {
    const command = await this.commands.create({
      regionId: input.RegionId,
      name: input.Name,
      type: input.Type,
      content: input.Content,
      description: input.Description,
      workingDir: input.WorkingDir,
      timeout: input.Timeout,
      enableParameter: input.EnableParameter,
    });
    return { CommandId: command.commandId };
  }

  @RpcAction('DescribeCommands', 'read', { input: DescribeCommandsInput, region: 'required' })
  async describeCommands({ input }: RpcContext<DescribeCommandsInput>): Promise<object> {
    const filter = { regionId: input.RegionId, commandId: input.CommandId, name: input.Name, type: input.Type };
    const { commands, total } = await this.commands.list(filter, input.Paging);
    return {
      Commands: { Command: commands.map((c) => describeCommand(c, input.ContentEncoding)) },
      ...pageFields(input.Paging, total, commands.length),
    };
  }

  @RpcAction('ModifyCommand', 'write', { input: ModifyCommandInput, region: 'required' })
  async modifyCommand({ input }: RpcContext<ModifyCommandInput>): Promise<object> {
    await this.commands.modify(input.RegionId, input.CommandId, {
      name: input.Name,
      description: input.Description,
      workingDir: input.WorkingDir,
      timeout: input.Timeout,
      content: input.Content,
    });
    return {};
  }

  @RpcAction('DeleteCommand', 'write', { input: DeleteCommandInput, region: 'required' })
  async deleteCommand({ input }: RpcContext<DeleteCommandInput>): Promise<object> {
    await this.commands.delete(input.RegionId, input.CommandId);
    return {};
  }
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
