import { Injectable } from '@nestjs/common';
import { RpcAction, RpcContext } from '../rpc/rpc-action.decorator';
import { RegionsService } from './regions.service';

@Injectable()
export class RegionsActions {
  constructor(private readonly regions: RegionsService) {}

  @RpcAction('DescribeRegions', 'read')
  async describeRegions(ctx: RpcContext): Promise<object> {
    const language = ctx.params.oneOf('AcceptLanguage', ['zh-CN', 'en-US', 'ja'] as const, { code: 'InvalidAcceptLanguage.NotFound' }) ?? 'zh-CN';
    const regions = await this.regions.list();
    return {
      Regions: {
        Region: regions.map((r) => ({
          RegionId: r.regionId,
          LocalName: language === 'zh-CN' ? r.localName : r.localNameEn,
          RegionEndpoint: r.regionEndpoint,
          Status: 'available',
        })),
      },
    };
  }
}
