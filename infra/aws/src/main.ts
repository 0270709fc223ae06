// `cdk synth|deploy` runs this (cdk.json). Settings come from context; the CLI says which region it targets.
import { App } from 'aws-cdk-lib';
import { buildApp } from './app.js';

const app = new App();
buildApp(app, process.env.CDK_DEFAULT_REGION);
app.synth();
