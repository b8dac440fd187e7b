#!/usr/bin/env node
'use strict';
require('../../../dist/services/apiserver/src/main.js').main(process.argv.slice(2));
