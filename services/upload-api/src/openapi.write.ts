// Writes the generated OpenAPI document to services/upload-api/openapi.json.
import { writeFile } from 'node:fs/promises';
import { generateOpenApi, openApiText } from './openapi.document.js';

const target = new URL('../openapi.json', import.meta.url);
await writeFile(target, openApiText(await generateOpenApi()));
process.stdout.write(`wrote ${target.pathname}\n`);
