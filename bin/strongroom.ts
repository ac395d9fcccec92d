#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { StrongroomStatefulStack } from '../lib/strongroom-stateful-stack';

const app = new App();
new StrongroomStatefulStack(app, 'StrongroomStateful', {
  description: 'strongroom custody stack: append-only tables, keys and topics',
});
