import { Injectable } from '@nestjs/common';
import { newCommandId } from '@ca/protocol';
import { DataSource, EntityManager, FindOptionsWhere } from 'typeorm';
import { ApiError } from '../common/api-error';
import { Paging } from '../common/paging';
import { CommandEntity, CommandType } from './command.entity';
import { parameterNamesOf } from './command-content';

export interface NewCommand {
  regionId: string;
  name: string;
  description?: string;
  type: CommandType;
  content: Buffer;
  workingDir?: string;
  timeout?: number;
  enableParameter?: boolean;
  /** False for RunCommand's one-off commands. */
  kept?: boolean;
}

export interface CommandChanges {
  name?: string;
  description?: string;
  content?: Buffer;
  workingDir?: string;
  timeout?: number;
}

export interface CommandFilter {
  regionId: string;
  commandId?: string;
  name?: string;
  type?: CommandType;
}

export const DEFAULT_COMMAND_TIMEOUT_SECONDS = 60;

@Injectable()
export class CommandsService {
  constructor(private readonly dataSource: DataSource) {}

  async create(input: NewCommand, manager: EntityManager = this.dataSource.manager): Promise<CommandEntity> {
    const command = manager.create(CommandEntity, {
      commandId: newCommandId(),
      regionId: input.regionId,
      name: input.name,
      description: input.description ?? '',
      type: input.type,
      content: input.content,
      workingDir: input.workingDir ?? '',
      timeout: input.timeout ?? DEFAULT_COMMAND_TIMEOUT_SECONDS,
      enableParameter: input.enableParameter ?? false,
      parameterNames: input.enableParameter ? parameterNamesOf(input.content) : [],
      kept: input.kept ?? true,
    });
    return manager.save(command);
  }

  async get(regionId: string, commandId: string, manager: EntityManager = this.dataSource.manager): Promise<CommandEntity> {
    const command = await manager.findOneBy(CommandEntity, { regionId, commandId, kept: true });
    if (!command) throw new ApiError('InvalidCmdId.NotFound');
    return command;
  }

  async modify(regionId: string, commandId: string, changes: CommandChanges): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const command = await manager.findOne(CommandEntity, { where: { regionId, commandId, kept: true }, lock: { mode: 'pessimistic_write' } });
      if (!command) throw new ApiError('InvalidCmdId.NotFound');
      Object.assign(command, Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)));
      if (changes.content && command.enableParameter) command.parameterNames = parameterNamesOf(changes.content);
      await manager.save(command);
    });
  }

  async delete(regionId: string, commandId: string): Promise<void> {
    const result = await this.dataSource.manager.delete(CommandEntity, { regionId, commandId, kept: true });
    if (!result.affected) throw new ApiError('InvalidCmdId.NotFound');
  }

  async list(filter: CommandFilter, paging: Paging): Promise<{ commands: Array<CommandEntity & { invokeTimes: number }>; total: number }> {
    const where: FindOptionsWhere<CommandEntity> = { regionId: filter.regionId, kept: true };
    if (filter.commandId) where.commandId = filter.commandId;
    if (filter.name) where.name = filter.name;
    if (filter.type) where.type = filter.type;
    const [commands, total] = await this.dataSource.manager.findAndCount(CommandEntity, {
      where,
      order: { createdAt: 'DESC', commandId: 'ASC' },
      skip: paging.offset,
      take: paging.limit,
    });
    const counts = await this.invokeTimes(commands.map((c) => c.commandId));
    return { commands: commands.map((c) => Object.assign(c, { invokeTimes: counts.get(c.commandId) ?? 0 })), total };
  }

  private async invokeTimes(commandIds: string[]): Promise<Map<string, number>> {
    if (commandIds.length === 0) return new Map();
    const rows: Array<{ command_id: string; count: string }> = await this.dataSource.query(
      'SELECT command_id, count(*) AS count FROM invocations WHERE command_id = ANY($1) GROUP BY command_id',
      [commandIds],
    );
    return new Map(rows.map((r) => [r.command_id, Number(r.count)]));
  }
}
