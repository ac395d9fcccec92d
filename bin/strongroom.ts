#!/usr/bin/env node
import { buildStrongroomApp } from '../lib/strongroom-app';

buildStrongroomApp();
