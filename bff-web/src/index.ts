import { runBff } from '@shop/bff';
import { definition } from './bff.ts';

await runBff(definition);
