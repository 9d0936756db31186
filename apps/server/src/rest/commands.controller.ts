import { Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiError } from '../common/api-error';
import { CommandsService } from '../commands/commands.service';
import {
  Command,
  CommandDto,
  CommandList,
  commandIdParam,
  CreateCommandRequest,
  ListCommandsQuery,
  ModifyCommandRequest,
  RegionQuery,
  toCommandDto,
} from './commands.schemas';
import { RestBody, RestErrors, RestParam, RestQuery, RestResponse } from './openapi';
import { Page, page, RestResource, toPaging } from './rest-common';

const COMMAND_ID = ['commandId', commandIdParam, 'The command (c-…)'] as const;
const NOT_FOUND = { 404: 'InvalidRegionId.NotFound, InvalidCmdId.NotFound' } as const;

/** The command catalogue: CreateCommand, DescribeCommands, ModifyCommand, DeleteCommand as resources. */
@RestResource('commands', 'commands')
export class CommandsRestController {
  constructor(private readonly commands: CommandsService) {}

  @Get()
  @ApiOperation({ operationId: 'listCommands', summary: 'Commands in the catalogue, newest first' })
  @RestResponse(200, CommandList, 'A page of commands')
  @RestErrors({ 400: 'A malformed filter or paging value', 404: 'InvalidRegionId.NotFound' })
  async list(@RestQuery(ListCommandsQuery) query: z.output<typeof ListCommandsQuery>): Promise<Page<CommandDto>> {
    const paging = toPaging(query);
    const { commands, total } = await this.commands.list({ regionId: query.regionId, commandId: query.commandId, name: query.name, type: query.type }, paging);
    return page(
      commands.map((c) => toCommandDto(c, c.invokeTimes)),
      paging,
      total,
    );
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({ operationId: 'createCommand', summary: 'Add a command to the catalogue' })
  @RestResponse(201, Command, 'The new command')
  @RestErrors({
    400: 'MissingParameter.Name/Type/CommandContent, CmdName.ExceedLimit, InvalidCmdType.NotFound, CmdContent.ExceedLimit, …',
    404: 'InvalidRegionId.NotFound',
  })
  async create(
    @RestQuery(RegionQuery) { regionId }: z.output<typeof RegionQuery>,
    @RestBody(CreateCommandRequest, { required: true }) body: z.output<typeof CreateCommandRequest>,
  ): Promise<CommandDto> {
    const command = await this.commands.create({ regionId, ...body });
    return toCommandDto(command, 0);
  }

  @Get(':commandId')
  @ApiOperation({ operationId: 'getCommand', summary: 'One command' })
  @RestResponse(200, Command, 'The command')
  @RestErrors(NOT_FOUND)
  async get(@RestQuery(RegionQuery) { regionId }: z.output<typeof RegionQuery>, @RestParam(...COMMAND_ID) commandId: string): Promise<CommandDto> {
    return this.find(regionId, commandId);
  }

  @Patch(':commandId')
  @ApiOperation({ operationId: 'modifyCommand', summary: 'Change a command; invocations already made keep what they ran' })
  @RestResponse(200, Command, 'The changed command')
  @RestErrors({ 400: 'CmdName.ExceedLimit, CmdContent.ExceedLimit, InvalidParam.Timeout, …', ...NOT_FOUND })
  async modify(
    @RestQuery(RegionQuery) { regionId }: z.output<typeof RegionQuery>,
    @RestParam(...COMMAND_ID) commandId: string,
    @RestBody(ModifyCommandRequest, { required: true }) body: z.output<typeof ModifyCommandRequest>,
  ): Promise<CommandDto> {
    await this.commands.modify(regionId, commandId, body);
    return this.find(regionId, commandId);
  }

  @Delete(':commandId')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteCommand', summary: 'Remove a command from the catalogue; its invocations stay' })
  @RestResponse(204, null, 'Deleted')
  @RestErrors(NOT_FOUND)
  async delete(@RestQuery(RegionQuery) { regionId }: z.output<typeof RegionQuery>, @RestParam(...COMMAND_ID) commandId: string): Promise<void> {
    await this.commands.delete(regionId, commandId);
  }

  /** A command with its invocation count: DescribeCommands' read, filtered to the one id. */
  private async find(regionId: string, commandId: string): Promise<CommandDto> {
    const { commands } = await this.commands.list({ regionId, commandId }, { offset: 0, limit: 1, pageNumber: 1 });
    if (commands.length === 0) throw new ApiError('InvalidCmdId.NotFound');
    return toCommandDto(commands[0], commands[0].invokeTimes);
  }
}
