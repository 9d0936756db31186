import { Inject, Injectable, Logger } from '@nestjs/common';
import { FrequencyError, nextFireTime, parseFrequency } from '@ca/frequency';
import { newInvokeId } from '@ca/protocol';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { ApiError } from '../common/api-error';
import { toApiError } from '../common/error-mapping';
import { toErrorCode } from '../common/error-catalog';
import { SignatureNonce } from '../actions/signature-nonce';
import { renderCommandContent } from '../commands/command-content';
import { CommandEntity } from '../commands/command.entity';
import { CommandsService, NewCommand } from '../commands/commands.service';
import { DispatchNotifier } from '../database/dispatch-notifier';
import { NOTIFICATION_CHANNELS } from '../database/notification-channels';
import { sqlRunnerOf } from '../database/sql';
import { APP_CONFIG } from '../config/app-config.token';
import type { AppConfig } from '../config/config.schema';
import { InstanceEntity } from '../instances/instance.entity';
import { InstancesService } from '../instances/instances.service';
import { annotateRequest } from '../logging/request-context';
import { operationsMetrics } from '../metrics/operations-metrics';
import { RegionsService } from '../regions/regions.service';
import { insertPendingRecords } from '../runs/new-records';
import type { MisfirePolicy } from '../runs/invocation-status';
import { InvocationEntity, RepeatMode } from './invocation.entity';
import { InvocationsRepository } from './invocations.repository';
import { OneShotInvocationWriter } from './one-shot-writer';

export const MAX_INSTANCES_PER_INVOCATION = 100;
/** Notified when a timed invocation is created: every scheduler recomputes its sleep. */

/** An InvokeCommand request after its parameters were read and shape-checked. */
export interface InvokeRequest {
  regionId: string;
  instanceIds: string[];
  commandId: string;
  repeatMode: RepeatMode;
  frequency?: string;
  timeout?: number;
  workingDir?: string;
  username?: string;
  parameters?: Record<string, string>;
  clientToken?: string;
  misfirePolicy?: MisfirePolicy;
}

/**
 * InvokeCommand: checks in the documented order, then commits the invocation and one
 * Pending record per instance in one transaction — or nothing at all. The common case (one-shot,
 * no ClientToken, no Parameters) goes through the group-committing OneShotInvocationWriter; the
 * rest through a TypeORM transaction. Both spend the request's SignatureNonce in the same commit.
 */
@Injectable()
export class InvokeCommandService {
  private readonly logger = new Logger(InvokeCommandService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly regions: RegionsService,
    private readonly commands: CommandsService,
    private readonly instances: InstancesService,
    private readonly repository: InvocationsRepository,
    private readonly notifier: DispatchNotifier,
    private readonly oneShot: OneShotInvocationWriter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The checks that need no database: list limits and the Frequency's syntax. */
  checkShape(request: InvokeRequest, now: Date): void {
    if (request.instanceIds.length > MAX_INSTANCES_PER_INVOCATION) throw new ApiError('InstanceIds.ExceedLimit');
    if (new Set(request.instanceIds).size !== request.instanceIds.length) throw new ApiError('InstanceIds.Duplicated');
    if (request.frequency !== undefined) this.parseFrequency(request.frequency, now);
  }

  /**
   * Spends `nonce` in the same commit as the invocation (or, refused, on its own). The REST edge
   * has no signature nonce: its requests take the transactional path, the group commit being
   * keyed on nonces.
   */
  async invoke(request: InvokeRequest, nonce?: SignatureNonce): Promise<string> {
    const now = new Date();
    this.checkShape(request, now);
    await this.regions.assertExists(request.regionId);
    if (nonce && isPlainOneShot(request)) {
      const invokeId = newInvokeId();
      const outcome = await this.oneShot.write({ ...request, invokeId, createdAt: now, nonce });
      if (outcome.kind === 'committed') {
        annotateRequest({ invokeId });
        operationsMetrics.invocationCreated('Once');
        return invokeId;
      }
      if (outcome.kind === 'refused') throw new ApiError(toErrorCode(outcome.code));
    }
    const { invokeId } = await this.record(
      request,
      fingerprintOf(request),
      (manager) => this.commands.get(request.regionId, request.commandId, manager),
      now,
      nonce,
    );
    return invokeId;
  }

  /** RunCommand: the command is created in the same transaction as its invocation, or neither is. */
  async runCommand(command: NewCommand, request: Omit<InvokeRequest, 'commandId'>): Promise<{ commandId: string; invokeId: string }> {
    const fingerprint = fingerprintOf({ ...request, commandId: '' }, { ...command, content: command.content.toString('base64') });
    const now = new Date();
    this.checkShape({ ...request, commandId: '' }, now);
    await this.regions.assertExists(request.regionId);
    return this.record({ ...request, commandId: '' }, fingerprint, (manager) => this.commands.create(command, manager), now);
  }

  private async record(
    request: InvokeRequest,
    fingerprint: string,
    commandOf: (manager: EntityManager) => Promise<CommandEntity>,
    now: Date,
    nonce?: SignatureNonce,
  ): Promise<{ commandId: string; invokeId: string }> {
    try {
      const recorded = await this.dataSource.transaction('READ COMMITTED', async (manager) => {
        // First, so that a concurrent replay waits for this transaction and is then refused.
        if (nonce && !nonce.spent) await nonce.spendIn(manager);
        return this.invokeInTransaction(manager, request, fingerprint, commandOf, now);
      });
      nonce?.markSpent();
      return recorded;
    } catch (error) {
      if (error instanceof ApiError) throw error;
      if (isClientTokenConflict(error) && request.clientToken) return this.replayClientToken(request.clientToken, fingerprint);
      const mapped = toApiError(error);
      if (mapped.code === 'ServiceUnavailable') throw mapped;
      this.logger.error(`InvokeCommand could not be recorded: ${(error as Error)?.stack ?? String(error)}`);
      throw new ApiError('InternalError.Dispatch');
    }
  }

  private async invokeInTransaction(
    manager: EntityManager,
    request: InvokeRequest,
    fingerprint: string,
    commandOf: (manager: EntityManager) => Promise<CommandEntity>,
    now: Date,
  ): Promise<{ commandId: string; invokeId: string }> {
    if (request.clientToken) {
      const previous = await manager.findOneBy(InvocationEntity, { clientToken: request.clientToken });
      if (previous) return sameRequestOrThrow(previous, fingerprint);
    }
    const command = await commandOf(manager);
    const found = await this.instances.findForInvocation(manager, request.regionId, request.instanceIds);
    checkInstances(request.instanceIds, found);
    if (request.parameters && !command.enableParameter) {
      throw new ApiError('InvalidParameter.Parameters', 'The command does not enable custom parameters (EnableParameter=false).');
    }
    const content = command.enableParameter ? renderCommandContent(command.content, command.parameterNames, request.parameters ?? {}) : command.content;

    const timed = request.repeatMode === 'Period';
    const frequency = timed ? this.parseFrequency(request.frequency!, now) : undefined;
    const invokeId = newInvokeId();
    annotateRequest({ invokeId });
    await this.repository.insertInvocation(manager, {
      invokeId,
      regionId: request.regionId,
      commandId: command.commandId,
      commandName: command.name,
      commandType: command.type,
      commandContent: content,
      parameters: request.parameters ?? {},
      workingDir: request.workingDir ?? command.workingDir,
      username: request.username ?? '',
      timeout: request.timeout ?? command.timeout,
      repeatMode: request.repeatMode,
      frequency: frequency ? frequency.source : null,
      timeZone: frequency ? frequency.timeZone : null,
      misfirePolicy: request.misfirePolicy ?? null,
      nextFireAt: frequency ? nextFireTime(frequency, now, now) : null,
      status: timed ? 'Scheduled' : 'Pending',
      clientToken: request.clientToken ?? null,
      requestFingerprint: request.clientToken ? fingerprint : null,
      instanceIds: request.instanceIds,
      createdAt: now,
    });
    if (timed) {
      // Every process's scheduler recomputes its sleep: this one may fire sooner than any before.
      await manager.query('SELECT pg_notify($1, $2)', [NOTIFICATION_CHANNELS.schedule, '']);
    } else {
      const tx = sqlRunnerOf(manager);
      await insertPendingRecords(tx, invokeId, request.instanceIds, now, 1);
      await this.notifier.notify(tx, request.instanceIds);
    }
    operationsMetrics.invocationCreated(request.repeatMode);
    return { commandId: command.commandId, invokeId };
  }

  private parseFrequency(text: string, now: Date) {
    try {
      return parseFrequency(text, { now, minIntervalSeconds: this.config.MIN_INTERVAL_SECONDS, createdAt: now });
    } catch (error) {
      if (error instanceof FrequencyError) throw new ApiError('InvalidParam.Frequency', `The specified frequency is invalid: ${error.message}`);
      throw error;
    }
  }

  /** Two requests raced with one ClientToken; the other committed first. */
  private async replayClientToken(clientToken: string, fingerprint: string): Promise<{ commandId: string; invokeId: string }> {
    const previous = await this.dataSource.manager.findOneBy(InvocationEntity, { clientToken });
    if (!previous) throw new ApiError('InternalError.Dispatch');
    return sameRequestOrThrow(previous, fingerprint);
  }
}

/** What the one-shot writer takes; anything else needs the transactional path's extra reads or writes. */
function isPlainOneShot(request: InvokeRequest): boolean {
  return request.repeatMode === 'Once' && !request.clientToken && request.parameters === undefined && request.misfirePolicy === undefined;
}

/** The documented order among instances: unknown, then classic network, then status, then no client. */
function checkInstances(requested: string[], found: InstanceEntity[]): void {
  const byId = new Map(found.map((i) => [i.instanceId, i]));
  if (requested.some((id) => !byId.has(id))) throw new ApiError('InvalidInstance.NotFound');
  if (found.some((i) => i.networkType === 'classic')) throw new ApiError('InvalidInstance.NotVpc');
  if (found.some((i) => i.status !== 'Running')) throw new ApiError('InvalidInstanceStatus');
  if (found.some((i) => i.agentRegisteredAt === null)) throw new ApiError('InvalidInstance.NoClient');
}

function fingerprintOf(request: InvokeRequest, extra: object = {}): string {
  const { clientToken: _token, parameters, ...rest } = request;
  const meaningful = { ...rest, ...extra };
  const byName = ([a]: [string, unknown], [b]: [string, unknown]): number => (a < b ? -1 : a > b ? 1 : 0);
  const canonical = JSON.stringify([
    Object.entries(meaningful)
      .filter(([, v]) => v !== undefined)
      .sort(byName),
    Object.entries(parameters ?? {}).sort(byName),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

function sameRequestOrThrow(previous: InvocationEntity, fingerprint: string): { commandId: string; invokeId: string } {
  if (previous.requestFingerprint !== fingerprint) throw new ApiError('IdempotentParameterMismatch');
  return { commandId: previous.commandId, invokeId: previous.invokeId };
}

function isClientTokenConflict(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const code = e.code ?? e.driverError?.code;
  const constraint = e.constraint ?? e.driverError?.constraint;
  return code === '23505' && constraint === 'invocations_client_token_key';
}
