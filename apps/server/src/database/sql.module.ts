import { Global, Module } from '@nestjs/common';
import { Sql } from './sql';

/** The raw SQL executor, beside TypeORM's DataSource for every module. */
@Global()
@Module({ providers: [Sql], exports: [Sql] })
export class SqlModule {}
