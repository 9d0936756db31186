import { DynamicModule, Global, Module } from '@nestjs/common';
import { DATABASE_URL } from './database-url.token';

/** The database URL for the few parts that need a connection of their own (LISTEN). */
@Global()
@Module({})
export class DatabaseUrlModule {
  static forRoot(url: string): DynamicModule {
    return { module: DatabaseUrlModule, providers: [{ provide: DATABASE_URL, useValue: url }], exports: [DATABASE_URL] };
  }
}
