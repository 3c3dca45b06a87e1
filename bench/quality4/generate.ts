/**
 * Detection-quality corpus #4 (written blind): provider breadth × ecosystem file types, planted secrets in real
 * vendor formats plus hard negatives. Seeded and deterministic. Every planted secret is recorded as (file, line).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { base62, crc32 } from '../../src/core/validators.js';
import { mulberry32 as rng } from '../../test/support/prng.js';

export interface Planted { file: string; line: number; kind: string; value: string; encoded: boolean }
export interface Corpus { dir: string; planted: Planted[]; bytes: number }

type L = string | { t: string; kind: string; value: string; enc?: boolean };

const AL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UP = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LO = 'abcdefghijklmnopqrstuvwxyz';
const HEX = '0123456789abcdef';
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B64 = AL + '+/';
const URL = AL + '-_';
const DIG = '0123456789';

export function generateCorpus(root: string, seed = 4): Corpus {
  const r = rng(seed);
  const s = (n: number, al = AL): string => {
    let o = '';
    for (let i = 0; i < n; i++) o += al[Math.floor(r() * al.length)];
    return o;
  };
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const crcTok = (prefix: string): string => {
    const body = s(30);
    return `${prefix}${body}${base62(crc32(body), 6)}`;
  };
  const badCrc = (prefix: string): string => {
    const body = s(30);
    const sum = base62((crc32(body) + 1) >>> 0, 6);
    return `${prefix}${body}${sum}`;
  };
  const pw = (): string => `${pick(['Tr0ub4dor', 'Qz', 'mN8', 'Winter', 'x7K'])}${s(6)}!${s(5, DIG)}${s(3)}`;
  const b64 = (t: string): string => Buffer.from(t).toString('base64');

  // ---- token generators (vendor formats) ----
  const T = {
    awsId: () => `AKIA${s(16, B32)}`,
    awsSecret: () => s(40, AL + '+/'),
    gcpKey: () => `AIza${s(35, URL)}`,
    azureStorageKey: () => `${s(86, B64)}==`,
    azureClientSecret: () => `${s(3, AL)}8Q~${s(34, AL + '_-.~')}`,
    ghp: () => crcTok('ghp_'),
    gho: () => crcTok('gho_'),
    ghs: () => crcTok('ghs_'),
    ghFine: () => `github_pat_11${s(20, UP + DIG)}_${s(59)}`,
    glpat: () => `glpat-${s(20, URL)}`,
    npm: () => crcTok('npm_'),
    pypi: () => `pypi-AgEIcHlwaS5vcmc${s(70, URL)}`,
    slackBot: () => `xoxb-${s(11, DIG)}-${s(13, DIG)}-${s(24)}`,
    slackUser: () => `xoxp-${s(11, DIG)}-${s(11, DIG)}-${s(13, DIG)}-${s(32, HEX)}`,
    slackHook: () => `https://hooks.slack.com/services/T${s(8, UP + DIG)}/B${s(10, UP + DIG)}/${s(24)}`,
    stripe: () => `sk_live_${s(99)}`.slice(0, 8 + 24 + Math.floor(r() * 75)),
    stripeR: () => `rk_live_${s(24)}`,
    stripeWh: () => `whsec_${s(32)}`,
    twilio: () => `SK${s(32, HEX)}`,
    twilioAuth: () => s(32, HEX),
    sendgrid: () => `SG.${s(22, URL)}.${s(43, URL)}`,
    mailchimp: () => `${s(32, HEX)}-us${pick(['6', '12', '19', '21'])}`,
    shopify: () => `shpat_${s(32, HEX)}`,
    shopifyShared: () => `shpss_${s(32, HEX)}`,
    // first segment = base64 of the bot's snowflake id (what real tokens carry)
    discordBot: () => `${Buffer.from(`${pick(['7', '8', '9', '1'])}${s(17, DIG)}`).toString('base64').replace(/=+$/, '')}.${s(6, URL)}.${s(38, URL)}`,
    discordHook: () => `https://discord.com/api/webhooks/${s(19, DIG)}/${s(68, URL)}`,
    telegram: () => `${s(10, DIG)}:AA${s(33, URL)}`,
    openai: () => `sk-proj-${s(74, URL)}T3BlbkFJ${s(74, URL)}`,
    openaiLegacy: () => `sk-${s(20)}T3BlbkFJ${s(20)}`,
    anthropic: () => `sk-ant-api03-${s(93, URL)}AA`,
    hf: () => `hf_${s(34, UP + LO)}`,
    doPat: () => `dop_v1_${s(64, HEX)}`,
    doOauth: () => `doo_v1_${s(64, HEX)}`,
    heroku: () => `HRKU-AA${s(58, URL)}`,
    herokuUuid: () => `${s(8, HEX)}-${s(4, HEX)}-4${s(3, HEX)}-a${s(3, HEX)}-${s(12, HEX)}`,
    databricks: () => `dapi${s(32, HEX)}`,
    vault: () => `hvs.${s(91, URL)}`,
    vaultBatch: () => `hvb.${s(138, URL)}`,
    tfc: () => `${s(14)}.atlasv1.${s(67)}`,
    doppler: () => `dp.st.prd.${s(43)}`,
    dopplerPt: () => `dp.pt.${s(43)}`,
    jwt: () => {
      const h = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
      const p = Buffer.from(`{"sub":"${s(8, DIG)}","name":"svc-${s(5, LO)}","iat":1716${s(6, DIG)},"role":"admin"}`).toString('base64url');
      return `${h}.${p}.${s(43, URL)}`;
    },
    rsaKey: (): string[] => ['-----BEGIN RSA PRIVATE KEY-----', ...Array.from({ length: 8 }, () => s(64, B64)), `${s(40, B64)}==`, '-----END RSA PRIVATE KEY-----'],
    ecKey: (): string[] => ['-----BEGIN EC PRIVATE KEY-----', s(64, B64), s(64, B64), `${s(36, B64)}==`, '-----END EC PRIVATE KEY-----'],
    opensshKey: (): string[] => ['-----BEGIN OPENSSH PRIVATE KEY-----', `b3BlbnNzaC1rZXktdjEAAAAA${s(46, B64)}`, ...Array.from({ length: 4 }, () => s(70, B64)), `${s(20, B64)}==`, '-----END OPENSSH PRIVATE KEY-----'],
    pkcs8: (): string[] => ['-----BEGIN PRIVATE KEY-----', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC' + s(32, B64), ...Array.from({ length: 6 }, () => s(64, B64)), '-----END PRIVATE KEY-----'],
  };

  const dir = root;
  rmSync(dir, { recursive: true, force: true });
  const planted: Planted[] = [];
  let bytes = 0;
  const P = (t: string, kind: string, value: string, enc = false): L => ({ t, kind, value, enc });
  const write = (file: string, lines: L[]): void => {
    const out: string[] = [];
    lines.forEach((l, i) => {
      if (typeof l === 'string') out.push(l);
      else {
        out.push(l.t);
        planted.push({ file, line: i + 1, kind: l.kind, value: l.value, encoded: l.enc ?? false });
      }
    });
    const full = path.join(dir, file);
    mkdirSync(path.dirname(full), { recursive: true });
    const text = out.join('\n') + '\n';
    writeFileSync(full, text);
    bytes += Buffer.byteLength(text);
  };
  /** Multi-line block where only the first line (BEGIN) counts. */
  const keyBlock = (kind: string, lines: string[], prefix = ''): L[] => [P(prefix + lines[0]!, kind, lines[1]!), ...lines.slice(1).map((x) => prefix + x)];

  // ================= .NET =================
  {
    const sg = T.sendgrid(), az = T.azureStorageKey(), cs = T.azureClientSecret(), pw1 = pw();
    write('dotnet/Api/appsettings.json', [
      '{',
      '  "Logging": { "LogLevel": { "Default": "Information" } },',
      '  "ConnectionStrings": {',
      P(`    "Default": "Server=tcp:prod-sql.database.windows.net,1433;Initial Catalog=orders;User ID=ordersapp;Password=${pw1};Encrypt=True;"`, 'mssql', pw1),
      P(`    "Storage": "DefaultEndpointsProtocol=https;AccountName=ordersprod;AccountKey=${az};EndpointSuffix=core.windows.net"`, 'azure-storage', az),
      '  },',
      '  "SendGrid": {',
      P(`    "ApiKey": "${sg}"`, 'sendgrid', sg),
      '  },',
      '  "AzureAd": {',
      '    "Instance": "https://login.microsoftonline.com/",',
      `    "TenantId": "${T.herokuUuid()}",`,
      `    "ClientId": "${T.herokuUuid()}",`,
      P(`    "ClientSecret": "${cs}"`, 'azure-ad-secret', cs),
      '  },',
      '  "AllowedHosts": "*"',
      '}',
    ]);
    const tw = T.twilioAuth(), st = T.stripe();
    write('dotnet/Api/appsettings.Production.json', [
      '{',
      '  "Twilio": {',
      `    "AccountSid": "AC${s(32, HEX)}",`,
      P(`    "AuthToken": "${tw}"`, 'twilio-auth', tw),
      '  },',
      P(`  "Stripe": { "SecretKey": "${st}", "PublishableKey": "pk_live_${s(24)}" }`, 'stripe', st),
      '}',
    ]);
    write('dotnet/Api/appsettings.Development.json', [
      '{',
      '  "ConnectionStrings": { "Default": "Server=(localdb)\\\\mssqllocaldb;Database=orders;Trusted_Connection=True;" },',
      '  "SendGrid": { "ApiKey": "<your-sendgrid-api-key>" },',
      '  "Stripe": { "SecretKey": "sk_test_xxxxxxxxxxxxxxxxxxxxxxxx" }',
      '}',
    ]);
    const p2 = pw();
    write('dotnet/Web/web.config', [
      '<?xml version="1.0" encoding="utf-8"?>',
      '<configuration>',
      '  <connectionStrings>',
      P(`    <add name="Main" connectionString="Data Source=db01;Initial Catalog=Shop;User Id=shop;Password=${p2};" providerName="System.Data.SqlClient" />`, 'mssql', p2),
      '  </connectionStrings>',
      '  <appSettings>',
      '    <add key="webpages:Version" value="3.0.0.0" />',
      `    <add key="BuildHash" value="${s(40, HEX)}" />`,
      '  </appSettings>',
      '</configuration>',
    ]);
    const dbx = T.databricks();
    write('dotnet/Web/secrets.json', [
      '{',
      P(`  "Databricks:Token": "${dbx}",`, 'databricks', dbx),
      `  "Databricks:Host": "https://adb-${s(16, DIG)}.7.azuredatabricks.net"`,
      '}',
    ]);
    write('dotnet/Web/Web.csproj', [
      '<Project Sdk="Microsoft.NET.Sdk.Web">',
      '  <PropertyGroup>',
      '    <TargetFramework>net8.0</TargetFramework>',
      `    <UserSecretsId>${T.herokuUuid()}</UserSecretsId>`,
      '  </PropertyGroup>',
      '  <ItemGroup>',
      '    <PackageReference Include="Azure.Storage.Blobs" Version="12.19.1" />',
      '  </ItemGroup>',
      '</Project>',
    ]);
    write('dotnet/packages.lock.json', [
      '{', '  "version": 1,', '  "dependencies": {', '    "net8.0": {', '      "Azure.Core": {',
      '        "type": "Transitive",', '        "resolved": "1.36.0",',
      `        "contentHash": "${b64(s(48)).slice(0, 86)}=="`, '      }', '    }', '  }', '}',
    ]);
  }

  // ================= Java =================
  {
    const p1 = pw(), aws = T.awsId(), awsS = T.awsSecret(), mc = T.mailchimp();
    write('java/src/main/resources/application.yml', [
      'spring:',
      '  datasource:',
      '    url: jdbc:postgresql://db.internal:5432/billing',
      '    username: billing',
      P(`    password: ${p1}`, 'generic-password', p1),
      'cloud:',
      '  aws:',
      '    credentials:',
      P(`      access-key: ${aws}`, 'aws-id', aws),
      P(`      secret-key: ${awsS}`, 'aws-secret', awsS),
      'mailchimp:',
      P(`  api-key: ${mc}`, 'mailchimp', mc),
      'management:',
      '  endpoints.web.exposure.include: health,info',
    ]);
    const p2 = pw(), ghs = T.ghs();
    write('java/src/main/resources/application-prod.properties', [
      'server.port=8443',
      'spring.datasource.url=jdbc:mysql://mysql.prod:3306/app?useSSL=true',
      'spring.datasource.username=app',
      P(`spring.datasource.password=${p2}`, 'generic-password', p2),
      P(`github.app.token=${ghs}`, 'github', ghs),
      'spring.jpa.hibernate.ddl-auto=validate',
    ]);
    write('java/src/main/resources/application-local.properties', [
      'spring.datasource.password=${DB_PASSWORD}',
      'github.app.token=${GITHUB_TOKEN:}',
      'spring.mail.password=changeme',
    ]);
    const p3 = pw();
    write('java/pom.xml', [
      '<project>',
      '  <modelVersion>4.0.0</modelVersion>',
      '  <groupId>com.example</groupId><artifactId>billing</artifactId><version>1.4.2</version>',
      '  <properties><flyway.url>jdbc:postgresql://localhost/billing</flyway.url><flyway.user>billing</flyway.user>',
      P(`  <flyway.password>${p3}</flyway.password></properties>`, 'generic-password', p3),
      '</project>',
    ]);
    const p4 = pw();
    write('java/settings.xml', [
      '<settings>', '  <servers>', '    <server>', '      <id>nexus-releases</id>', '      <username>deploy</username>',
      P(`      <password>${p4}</password>`, 'generic-password', p4),
      '    </server>', '    <server>', '      <id>nexus-snapshots</id>', '      <username>deploy</username>',
      '      <password>${env.NEXUS_PASSWORD}</password>', '    </server>', '  </servers>', '</settings>',
    ]);
    const p5 = pw(), gcp = T.gcpKey();
    write('java/gradle.properties', [
      'org.gradle.jvmargs=-Xmx2g',
      'mavenUser=deploy',
      P(`mavenPassword=${p5}`, 'generic-password', p5),
      P(`mapsApiKey=${gcp}`, 'gcp-api-key', gcp),
    ]);
    const tg = T.telegram();
    write('java/src/main/java/com/example/notify/TelegramNotifier.java', [
      'package com.example.notify;',
      '',
      'public final class TelegramNotifier {',
      P(`    private static final String BOT_TOKEN = "${tg}";`, 'telegram', tg),
      `    private static final String CHAT_ID = "-100${s(10, DIG)}";`,
      '    private static final String SHA = "' + s(64, HEX) + '";',
      '}',
    ]);
  }

  // ================= Ruby =================
  {
    const sk = s(128, HEX), shp = T.shopify(), shs = T.shopifyShared();
    write('ruby/config/secrets.yml', [
      'production:',
      P(`  secret_key_base: ${sk}`, 'generic-secret', sk),
      P(`  shopify_access_token: ${shp}`, 'shopify', shp),
      P(`  shopify_shared_secret: ${shs}`, 'shopify', shs),
      'development:',
      '  secret_key_base: <%= ENV["SECRET_KEY_BASE"] %>',
    ]);
    const p1 = pw();
    write('ruby/config/database.yml', [
      'default: &default', '  adapter: postgresql', '  encoding: unicode', 'production:', '  <<: *default',
      '  database: shop_production', '  username: shop',
      P(`  password: ${p1}`, 'generic-password', p1),
      'test:', '  <<: *default', '  password: <%= ENV.fetch("DB_PASSWORD") %>',
    ]);
    const sw = T.stripeWh(), rk = T.stripeR(), hk = T.heroku();
    write('ruby/.env', [
      'RAILS_ENV=production',
      P(`STRIPE_WEBHOOK_SECRET=${sw}`, 'stripe-webhook', sw),
      P(`STRIPE_RESTRICTED_KEY=${rk}`, 'stripe', rk),
      P(`HEROKU_API_KEY=${hk}`, 'heroku', hk),
      `STRIPE_PUBLISHABLE_KEY=pk_live_${s(24)}`,
    ]);
    const hu = T.herokuUuid();
    write('ruby/Rakefile', [
      "require 'platform-api'",
      '',
      'task :scale do',
      P(`  heroku = PlatformAPI.connect_oauth('${hu}')`, 'heroku-uuid', hu),
      "  heroku.formation.update('shop', 'web', quantity: 2)",
      'end',
    ]);
    write('ruby/Gemfile.lock', [
      'GEM', '  remote: https://rubygems.org/', '  specs:', '    rails (7.1.3)', '    stripe (10.5.0)', '', 'CHECKSUMS',
      `  rails (7.1.3) sha256=${s(64, HEX)}`, `  stripe (10.5.0) sha256=${s(64, HEX)}`, '', 'BUNDLED WITH', '   2.5.6',
    ]);
    const rg = `rubygems_${s(48, HEX)}`;
    write('ruby/config/credentials/production.yml.enc', [`${b64(s(120))}--${s(16)}==--${s(22)}==`]);
    write('ruby/config/initializers/rubygems.rb', [
      P(`Gem.configuration.rubygems_api_key = "${rg}"`, 'rubygems', rg),
    ]);
  }

  // ================= Go =================
  {
    const dg = T.discordBot(), dh = T.discordHook();
    write('go/internal/config/config.go', [
      'package config',
      '',
      'const (',
      P(`\tdiscordToken   = "${dg}"`, 'discord-bot', dg),
      P(`\tdiscordWebhook = "${dh}"`, 'discord-webhook', dh),
      '\tdefaultRegion  = "eu-west-1"',
      `\texampleID      = "${T.herokuUuid()}"`,
      ')',
    ]);
    const pw1 = pw(), rp = pw();
    write('go/docker-compose.yml', [
      'services:', '  db:', '    image: postgres:16', '    environment:', '      POSTGRES_USER: app',
      P(`      POSTGRES_PASSWORD: ${pw1}`, 'generic-password', pw1),
      '  api:', '    build: .', '    environment:',
      P(`      - REDIS_URL=redis://default:${rp}@redis:6379/0`, 'redis-uri', rp),
      '      - DATABASE_URL=postgres://app:${POSTGRES_PASSWORD}@db:5432/app',
    ]);
    const dop = T.doPat(), vault = T.vault(), doo = T.doOauth();
    write('go/.env', [
      P(`DIGITALOCEAN_TOKEN=${dop}`, 'digitalocean', dop),
      P(`VAULT_TOKEN=${vault}`, 'vault', vault),
      P(`DO_OAUTH=${doo}`, 'digitalocean', doo),
      'VAULT_ADDR=https://vault.internal:8200',
    ]);
    write('go/go.sum', Array.from({ length: 6 }, (_, i) => `github.com/pkg/mod${i} v1.${i}.0 h1:${b64(s(32)).slice(0, 43)}=`));
    const mongo = pw();
    write('go/cmd/worker/main.go', [
      'package main',
      '',
      'import "go.mongodb.org/mongo-driver/mongo/options"',
      '',
      'func opts() *options.ClientOptions {',
      P(`\treturn options.Client().ApplyURI("mongodb+srv://worker:${mongo}@cluster0.${s(5, LO)}.mongodb.net/jobs?retryWrites=true")`, 'mongodb', mongo),
      '}',
      '// Example: mongodb+srv://<user>:<password>@cluster0.example.mongodb.net/',
    ]);
  }

  // ================= Python =================
  {
    const dj = `django-insecure-${s(50, LO + DIG + '!@#%^&*(-_=+)')}`, p1 = pw(), oai = T.openai();
    write('python/app/settings.py', [
      'import os',
      P(`SECRET_KEY = '${dj}'`, 'django', dj),
      'DATABASES = {',
      "    'default': {",
      "        'ENGINE': 'django.db.backends.postgresql',",
      "        'NAME': 'app', 'USER': 'app',",
      P(`        'PASSWORD': '${p1}',`, 'generic-password', p1),
      '    }',
      '}',
      P(`OPENAI_API_KEY = "${oai}"`, 'openai', oai),
      "EMAIL_HOST_PASSWORD = os.environ.get('EMAIL_HOST_PASSWORD', '')",
    ]);
    const ant = T.anthropic(), hf = T.hf(), pypi = T.pypi();
    write('python/.env', [
      P(`ANTHROPIC_API_KEY=${ant}`, 'anthropic', ant),
      P(`HF_TOKEN=${hf}`, 'huggingface', hf),
      P(`TWINE_PASSWORD=${pypi}`, 'pypi', pypi),
      'TWINE_USERNAME=__token__',
    ]);
    write('python/.env.example', ['ANTHROPIC_API_KEY=sk-ant-api03-...', 'HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'TWINE_PASSWORD=pypi-<token>']);
    const ol = T.openaiLegacy(), hf2 = T.hf();
    const nb = {
      cells: [
        { cell_type: 'markdown', metadata: {}, source: ['# Fine-tune experiment\n'] },
        { cell_type: 'code', execution_count: 1, metadata: {}, outputs: [], source: ['import openai\n', `openai.api_key = "${ol}"\n`, `login(token="${hf2}")\n`] },
        { cell_type: 'code', execution_count: 2, metadata: {}, outputs: [{ output_type: 'display_data', data: { 'image/png': b64(s(300)) } }], source: ['plot()\n'] },
      ],
      metadata: { kernelspec: { name: 'python3' } }, nbformat: 4, nbformat_minor: 5,
    };
    const nbText = JSON.stringify(nb, null, 1).split('\n');
    const lines: L[] = nbText.map((l) => (l.includes(ol) ? P(l, 'openai', ol) : l.includes(hf2) ? P(l, 'huggingface', hf2) : l));
    write('python/notebooks/finetune.ipynb', lines);
    const p3 = pw();
    write('python/alembic.ini', [
      '[alembic]', 'script_location = migrations',
      P(`sqlalchemy.url = postgresql+psycopg2://migrator:${p3}@pg.prod.internal:5432/app`, 'postgres', p3),
    ]);
    write('python/poetry.lock', [
      '[[package]]', 'name = "requests"', 'version = "2.31.0"', 'files = [',
      `    {file = "requests-2.31.0-py3-none-any.whl", hash = "sha256:${s(64, HEX)}"},`, ']',
    ]);
    write('python/requirements.txt', [`requests==2.31.0 --hash=sha256:${s(64, HEX)}`, 'boto3==1.34.0']);
    const rmq = pw();
    write('python/app/celery.py', [
      'from celery import Celery',
      P(`app = Celery("tasks", broker="amqp://tasks:${rmq}@rabbitmq.internal:5672//")`, 'amqp', rmq),
    ]);
  }

  // ================= Node =================
  {
    const npm = T.npm(), gh = T.ghp();
    write('node/.npmrc', [
      'registry=https://registry.npmjs.org/',
      P(`//registry.npmjs.org/:_authToken=${npm}`, 'npm', npm),
      P(`//npm.pkg.github.com/:_authToken=${gh}`, 'github', gh),
      '@acme:registry=https://npm.pkg.github.com',
    ]);
    const sb = T.slackBot(), gl = T.glpat(), jwt = T.jwt();
    write('node/config/production.ts', [
      "export default {",
      P(`  slackToken: '${sb}',`, 'slack', sb),
      P(`  gitlabToken: process.env.GITLAB_TOKEN ?? '${gl}',`, 'gitlab', gl),
      P(`  serviceJwt: '${jwt}',`, 'jwt', jwt),
      "  sentryDsn: process.env.SENTRY_DSN,",
      '};',
    ]);
    write('node/package-lock.json', [
      '{', '  "name": "web",', '  "lockfileVersion": 3,', '  "packages": {', '    "node_modules/lodash": {',
      '      "version": "4.17.21",', '      "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz",',
      `      "integrity": "sha512-${b64(s(64)).slice(0, 86)}=="`, '    }', '  }', '}',
    ]);
    const sh = T.slackHook(), fine = T.ghFine();
    write('node/src/notify.js', [
      "const fetch = require('node-fetch');",
      P(`const WEBHOOK = '${sh}';`, 'slack-webhook', sh),
      P(`const octokit = new Octokit({ auth: '${fine}' });`, 'github-fine', fine),
      "const logo = 'data:image/png;base64," + b64(s(200)) + "';",
      `const DOCS_TOKEN = '${badCrc('ghp_')}'; // revoked test vector`,
    ]);
    write('node/yarn.lock', [
      `"@babel/core@^7.23.0":`, '  version "7.23.9"',
      `  resolved "https://registry.yarnpkg.com/@babel/core/-/core-7.23.9.tgz#${s(40, HEX)}"`,
      `  integrity sha512-${b64(s(64)).slice(0, 86)}==`,
    ]);
    const su = T.slackUser(), bearer = s(40, URL);
    write('node/test/fixtures/api.http', [
      'GET https://api.internal.example.com/v1/orders',
      P(`Authorization: Bearer ${bearer}`, 'bearer', bearer),
      '',
      'POST https://slack.com/api/chat.postMessage',
      P(`Authorization: Bearer ${su}`, 'slack', su),
    ]);
  }

  // ================= Infra =================
  {
    const tfc = T.tfc(), awsId = T.awsId(), awsS = T.awsSecret();
    write('infra/terraform/providers.tf', [
      'provider "aws" {',
      '  region     = "us-east-1"',
      P(`  access_key = "${awsId}"`, 'aws-id', awsId),
      P(`  secret_key = "${awsS}"`, 'aws-secret', awsS),
      '}',
      'provider "tfe" {',
      P(`  token = "${tfc}"`, 'terraform-cloud', tfc),
      '}',
      'variable "db_password" {',
      '  type      = string',
      '  sensitive = true',
      '}',
    ]);
    write('infra/terraform/.terraform.lock.hcl', [
      'provider "registry.terraform.io/hashicorp/aws" {', '  version = "5.31.0"', '  hashes = [',
      `    "h1:${b64(s(32)).slice(0, 43)}=",`, `    "zh:${s(64, HEX)}",`, '  ]', '}',
    ]);
    const trc = T.tfc();
    write('infra/terraform/credentials.tfrc.json', [
      '{', '  "credentials": {', '    "app.terraform.io": {',
      P(`      "token": "${trc}"`, 'terraform-cloud', trc),
      '    }', '  }', '}',
    ]);
    const p1 = pw(), dpl = T.doppler();
    write('infra/k8s/secret.yaml', [
      'apiVersion: v1', 'kind: Secret', 'metadata:', '  name: api-secrets', 'type: Opaque', 'data:',
      P(`  DB_PASSWORD: ${b64(p1)}`, 'generic-password', p1, true),
      P(`  DOPPLER_TOKEN: ${b64(dpl)}`, 'doppler', dpl, true),
      'stringData:',
      '  LOG_LEVEL: info',
    ]);
    const dauth = `deploy:${pw()}`, dockauth = b64(dauth);
    write('infra/k8s/regcred.yaml', [
      'apiVersion: v1', 'kind: Secret', 'metadata:', '  name: regcred', 'type: kubernetes.io/dockerconfigjson', 'data:',
      P(`  .dockerconfigjson: ${b64(JSON.stringify({ auths: { 'registry.example.io': { auth: dockauth } } }))}`, 'docker-auth', dockauth, true),
    ]);
    const dauth2 = b64(`ci-bot:${pw()}`);
    write('infra/docker/config.json', [
      '{', '  "auths": {', '    "ghcr.io": {',
      P(`      "auth": "${dauth2}"`, 'docker-auth', dauth2),
      '    },', '    "https://index.docker.io/v1/": {}', '  },', '  "credsStore": "desktop"', '}',
    ]);
    const slk = T.slackHook(), p2 = pw();
    write('infra/helm/values-prod.yaml', [
      'replicaCount: 3', 'image:', '  repository: ghcr.io/acme/api', '  tag: "1.8.2"', 'alertmanager:', '  config:', '    receivers:',
      '      - name: slack', '        slack_configs:',
      P(`          - api_url: ${slk}`, 'slack-webhook', slk),
      'postgresql:', '  auth:',
      P(`    postgresPassword: ${p2}`, 'generic-password', p2),
      '    existingSecret: ""',
    ]);
    const vp = pw();
    write('infra/ansible/group_vars/all.yml', [
      '---', 'app_user: deploy',
      P(`ansible_become_password: ${vp}`, 'generic-password', vp),
      'db_password: "{{ vault_db_password }}"',
      'vault_db_password: !vault |',
      '  $ANSIBLE_VAULT;1.1;AES256',
      ...Array.from({ length: 4 }, () => `  ${s(64, HEX)}`),
    ]);
    const cfp = pw();
    write('infra/cloudformation/stack.yaml', [
      'AWSTemplateFormatVersion: "2010-09-09"', 'Resources:', '  Db:', '    Type: AWS::RDS::DBInstance', '    Properties:',
      '      MasterUsername: admin',
      P(`      MasterUserPassword: "${cfp}"`, 'generic-password', cfp),
      '  Db2:', '    Type: AWS::RDS::DBInstance', '    Properties:',
      '      MasterUserPassword: "{{resolve:secretsmanager:prod/db:SecretString:password}}"',
    ]);
    const gcpKey = T.pkcs8();
    const sa = [
      '{', '  "type": "service_account",', '  "project_id": "acme-prod",', `  "private_key_id": "${s(40, HEX)}",`,
    ];
    write('infra/gcp/sa.json', [
      ...sa,
      P(`  "private_key": "${gcpKey.join('\\n')}\\n",`, 'gcp-sa-key', gcpKey[1]!),
      `  "client_email": "deployer@acme-prod.iam.gserviceaccount.com",`, '  "client_id": "1' + s(20, DIG) + '"', '}',
    ]);
    write('infra/sops/secrets.enc.yaml', [
      `db_password: ENC[AES256_GCM,data:${s(24, B64)}=,iv:${s(43, B64)}=,tag:${s(22, B64)}==,type:str]`,
      `api_key: ENC[AES256_GCM,data:${s(40, B64)}=,iv:${s(43, B64)}=,tag:${s(22, B64)}==,type:str]`,
      'sops:', `    mac: ENC[AES256_GCM,data:${s(64, B64)}=,iv:${s(43, B64)}=,tag:${s(22, B64)}==,type:str]`,
    ]);
    write('infra/tls/server.crt', ['-----BEGIN CERTIFICATE-----', ...Array.from({ length: 6 }, () => s(64, B64)), '-----END CERTIFICATE-----']);
    write('infra/tls/id_ed25519.pub', [`ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${s(43, B64)} deploy@ci`]);
    write('infra/tls/deploy_key', keyBlock('openssh-key', T.opensshKey()));
    write('infra/tls/server.key', keyBlock('rsa-key', T.rsaKey()));
  }

  // ================= CI logs & patches =================
  {
    const gho = T.gho(), awsId = T.awsId();
    write('ci/logs/build-4821.log', [
      '2026-03-01T10:00:01.123Z ##[group]Run actions/checkout@v4',
      '2026-03-01T10:00:02.001Z ##[endgroup]',
      P(`2026-03-01T10:00:05.442Z + git clone https://x-access-token:${gho}@github.com/acme/api.git`, 'github', gho),
      P(`2026-03-01T10:00:09.010Z + export AWS_ACCESS_KEY_ID=${awsId}`, 'aws-id', awsId),
      '2026-03-01T10:00:09.011Z + export AWS_SECRET_ACCESS_KEY=***',
      `2026-03-01T10:00:12.900Z Digest: sha256:${s(64, HEX)}`,
      `2026-03-01T10:00:13.100Z request-id ${T.herokuUuid()} completed in 203ms`,
    ]);
    const basicUser = `svc-ci:${pw()}`, basic = b64(basicUser), ec = T.ecKey();
    write('ci/logs/deploy.log', [
      '[deploy] contacting artifact store',
      P(`[deploy] curl -H "Authorization: Basic ${basic}" https://artifacts.internal/upload`, 'basic-auth', basic),
      '[deploy] debug dump of key material follows',
      ...keyBlock('ec-key', ec, '[deploy] '),
    ]);
    const newSg = T.sendgrid(), newTw = T.twilio(), newPw = pw();
    write('patches/0001-add-mail-config.patch', [
      'From 3f2a1c9 Mon Sep 17 00:00:00 2001',
      'From: Dev <dev@example.com>',
      'Subject: [PATCH] add mail config',
      '',
      '---',
      ' config/mail.yml | 6 ++++--',
      '',
      'diff --git a/config/mail.yml b/config/mail.yml',
      'index 1a2b3c4..5d6e7f8 100644',
      '--- a/config/mail.yml',
      '+++ b/config/mail.yml',
      '@@ -1,4 +1,6 @@',
      ' mail:',
      '-  provider: smtp',
      '-  api_key: ${SENDGRID_API_KEY}',
      '+  provider: sendgrid',
      P(`+  api_key: ${newSg}`, 'sendgrid', newSg),
      P(`+  twilio_api_key: ${newTw}`, 'twilio', newTw),
      P(`+  smtp_password: ${newPw}`, 'generic-password', newPw),
      '   from: noreply@example.com',
      '-- ',
      '2.43.0',
    ]);
    const ghNew = T.ghp(), an = T.anthropic();
    write('patches/rotate.diff', [
      'diff --git a/.github/workflows/release.yml b/.github/workflows/release.yml',
      '--- a/.github/workflows/release.yml',
      '+++ b/.github/workflows/release.yml',
      '@@ -10,7 +10,8 @@ jobs:',
      '     steps:',
      '       - uses: actions/checkout@v4',
      '-        env:',
      '-          GH_TOKEN: ${{ secrets.GH_TOKEN }}',
      '+        env:',
      P(`+          GH_TOKEN: ${ghNew}`, 'github', ghNew),
      P(`+          ANTHROPIC_API_KEY: "${an}"`, 'anthropic', an),
    ]);
  }

  // ================= Docs =================
  {
    const live = T.stripe(), aws = T.awsId(), awsS = T.awsSecret();
    write('docs/README.md', [
      '# Payments service', '', '## Configuration', '',
      'Set your key (example from the Stripe docs):', '', '```bash',
      'export STRIPE_SECRET_KEY=sk_test_4eC39HqLyjWDarjtT1zdp7dc',
      'export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE',
      'export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      '```', '', 'Our staging values (remove before publishing!):', '', '```bash',
      P(`export STRIPE_SECRET_KEY=${live}`, 'stripe', live),
      P(`export AWS_ACCESS_KEY_ID=${aws}`, 'aws-id', aws),
      P(`export AWS_SECRET_ACCESS_KEY=${awsS}`, 'aws-secret', awsS),
      '```', '',
      'Use a token that looks like `ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx` or `npm_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX`.',
      `Commit ${s(40, HEX)} fixed the webhook.`,
    ]);
    const pw1 = pw(), gp = T.ghp();
    write('docs/install.rst', [
      'Installation', '============', '', '.. code-block:: ini', '',
      '   [database]', '   host = db.internal',
      P(`   password = ${pw1}`, 'generic-password', pw1),
      '',
      '.. code-block:: console', '',
      P(`   $ git clone https://oauth2:${gp}@github.com/acme/private.git`, 'github', gp),
      '',
      'Replace ``<password>`` with the value from the vault.',
      '   password = <your-password-here>',
    ]);
    const hf = T.hf(), vb = T.vaultBatch();
    write('docs/runbook.md', [
      '## Rotating tokens', '',
      '| service | token |', '|---|---|',
      P(`| huggingface | \`${hf}\` |`, 'huggingface', hf),
      P(`| vault batch | \`${vb}\` |`, 'vault', vb),
      '| placeholder | `hf_YOUR_TOKEN_HERE` |',
      '',
      'JWT format: `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.<signature>`',
      `Request IDs look like ${T.herokuUuid()}.`,
    ]);
    const dp2 = T.dopplerPt(), npm2 = T.npm();
    write('docs/ci-setup.md', [
      '```yaml', 'env:',
      P(`  DOPPLER_TOKEN: ${dp2}`, 'doppler', dp2),
      P(`  NPM_TOKEN: ${npm2}`, 'npm', npm2),
      `  NPM_TOKEN_OLD: ${badCrc('npm_')}`,
      '  SHORT: ghp_abc123',
      `  WRONG_LEN: glpat-${s(8)}`,
      '```',
    ]);
  }

  // ---- encoded plants ----
  {
    const gh = T.ghp(), oai = T.openai(), sg = T.sendgrid();
    write('encoded/backup.env.b64', [
      '# base64 exported env',
      P(`GH_BUNDLE=${b64(`GITHUB_TOKEN=${gh}`)}`, 'github', gh, true),
      P(`OPENAI_BUNDLE=${b64(`OPENAI_API_KEY=${oai}`)}`, 'openai', oai, true),
    ]);
    write('encoded/config.js', [
      P(`const k = decodeURIComponent("${encodeURIComponent(`apikey=${sg}&x=1`).replace(/\./g, '%2E')}");`, 'sendgrid', sg, true),
    ]);
  }

  // ================= round 2: more formats and syntaxes =================
  {
    const id = T.awsId(), sec = T.awsSecret(), sess = `IQoJb3JpZ2luX2VjE${s(300, B64)}`;
    write('home/.aws/credentials', [
      '[default]',
      P(`aws_access_key_id = ${id}`, 'aws-id', id),
      P(`aws_secret_access_key = ${sec}`, 'aws-secret', sec),
      P(`aws_session_token = ${sess}`, 'aws-session', sess),
      '[example]', 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE', 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    ]);
    const gocspx = `GOCSPX-${s(28, URL)}`;
    write('python/client_secret.json', [
      '{"installed":{',
      `  "client_id":"${s(12, DIG)}-${s(32, LO + DIG)}.apps.googleusercontent.com",`,
      P(`  "client_secret":"${gocspx}",`, 'gcp-oauth', gocspx),
      '  "redirect_uris":["http://localhost"]}}',
    ]);
    const ado = s(52, 'abcdefghijklmnopqrstuvwxyz234567');
    const sas = `sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=2027-01-01T00:00:00Z&st=2026-01-01T00:00:00Z&spr=https&sig=${encodeURIComponent(s(43, B64) + '=')}`;
    write('dotnet/azure-pipelines.yml', [
      'variables:',
      P(`  AZURE_DEVOPS_PAT: ${ado}`, 'azure-devops', ado),
      P(`  BLOB_SAS_URL: "https://acmeprod.blob.core.windows.net/backups?${sas}"`, 'azure-sas', sas),
      '  buildConfiguration: Release',
    ]);
    const cosmos = `${s(86, B64)}==`;
    write('dotnet/Api/local.settings.json', [
      '{', '  "IsEncrypted": false,', '  "Values": {',
      P(`    "CosmosDb": "AccountEndpoint=https://acme.documents.azure.com:443/;AccountKey=${cosmos};",`, 'azure-cosmos', cosmos),
      '    "FUNCTIONS_WORKER_RUNTIME": "dotnet-isolated"', '  }', '}',
    ]);
    const ncp = pw();
    write('dotnet/Mailer/SmtpSender.cs', [
      'using System.Net;', 'namespace Acme.Mailer;', 'public sealed class SmtpSender {',
      P(`    private readonly NetworkCredential _cred = new NetworkCredential("mailer@acme.io", "${ncp}");`, 'generic-password', ncp),
      '    private readonly NetworkCredential _dev = new NetworkCredential("user", Environment.GetEnvironmentVariable("SMTP_PASS"));',
      '}',
    ]);
    const ghr = crcTok('ghr_'), ghu = crcTok('ghu_');
    write('node/scripts/gh-app.mjs', [
      P(`const refresh = "${ghr}";`, 'github', ghr),
      P(`const userToServer = "${ghu}";`, 'github', ghu),
    ]);
    const glrt = `glrt-${s(20, URL)}`, gldt = `gldt-${s(20, URL)}`, glptt = `glptt-${s(40, HEX)}`;
    write('infra/gitlab/config.toml', [
      'concurrent = 4', '[[runners]]', '  name = "docker-runner"', '  url = "https://gitlab.acme.io/"',
      P(`  token = "${glrt}"`, 'gitlab', glrt),
      '  executor = "docker"',
    ]);
    write('ci/.gitlab-ci.yml', [
      'deploy:', '  script:',
      P(`    - curl -X POST -F token=${glptt} -F ref=main https://gitlab.acme.io/api/v4/projects/42/trigger/pipeline`, 'gitlab', glptt),
      P(`    - docker login -u gitlab+deploy-token-7 -p ${gldt} registry.gitlab.acme.io`, 'gitlab', gldt),
      '    - echo "$CI_JOB_TOKEN" | docker login -u gitlab-ci-token --password-stdin $CI_REGISTRY',
    ]);
    const xapp = `xapp-1-A${s(10, UP + DIG)}-${s(13, DIG)}-${s(64, HEX)}`;
    write('python/bot/slack_app.py', [
      'from slack_bolt.adapter.socket_mode import SocketModeHandler',
      P(`SocketModeHandler(app, "${xapp}").start()`, 'slack', xapp),
    ]);
    const sktest = `sk_test_${s(99)}`;
    const svc = `sk-svcacct-${s(74, URL)}T3BlbkFJ${s(74, URL)}`;
    write('node/src/ai.ts', [
      "import OpenAI from 'openai';",
      P(`const client = new OpenAI({ apiKey: '${svc}' });`, 'openai', svc),
      "const fallback = new OpenAI({ apiKey: process.env.OPENAI_API_KEY! });",
    ]);
    const shpca = `shpca_${s(32, HEX)}`, shppa = `shppa_${s(32, HEX)}`;
    write('ruby/config/shopify.yml', [
      'production:',
      P(`  api_secret: ${shpca}`, 'shopify', shpca),
      P(`  private_app_password: ${shppa}`, 'shopify', shppa),
      '  api_version: "2024-01"',
    ]);
    const dor = `dor_v1_${s(64, HEX)}`;
    write('infra/terraform/do.auto.tfvars', [P(`do_refresh_token = "${dor}"`, 'digitalocean', dor), 'region = "ams3"']);
    const hk = T.herokuUuid(), np = pw();
    write('home/.netrc', [
      'machine api.heroku.com',
      '  login ops@acme.io',
      P(`  password ${hk}`, 'heroku-uuid', hk),
      P(`machine ftp.acme.io login backup password ${np}`, 'generic-password', np),
    ]);
    const dbx = T.databricks();
    write('home/.databrickscfg', ['[DEFAULT]', 'host = https://dbc-1a2b3c4d-5e6f.cloud.databricks.com', P(`token = ${dbx}`, 'databricks', dbx)]);
    const sTok = `s.${s(24)}`;
    write('infra/scripts/vault-login.sh', [
      '#!/usr/bin/env bash', 'set -euo pipefail',
      P(`export VAULT_TOKEN="${sTok}"`, 'vault', sTok),
      'vault kv get secret/app',
    ]);
    const tfc = T.tfc();
    write('home/.terraformrc', ['credentials "app.terraform.io" {', P(`  token = "${tfc}"`, 'terraform-cloud', tfc), '}']);
    const dsa = `dp.sa.${s(43)}`, dct = `dp.ct.${s(43)}`;
    write('go/Makefile', [
      'deploy:',
      P(`\tDOPPLER_TOKEN=${dsa} doppler run -- ./bin/api`, 'doppler', dsa),
      P(`\tdoppler secrets download --token ${dct} --no-file`, 'doppler', dct),
    ]);
    const idt = T.jwt();
    write('home/.docker/config.json', [
      '{', '  "auths": {', '    "acme.azurecr.io": {', '      "auth": "",',
      P(`      "identitytoken": "${idt}"`, 'docker-identity', idt),
      '    }', '  }', '}',
    ]);
    const pgp = ['-----BEGIN PGP PRIVATE KEY BLOCK-----', '', `lQOYBF${s(58, B64)}`, ...Array.from({ length: 5 }, () => s(64, B64)), `=${s(4, B64)}`, '-----END PGP PRIVATE KEY BLOCK-----'];
    write('infra/gpg/release.asc', keyBlock('pgp-key', pgp));
    const jwtC = T.jwt();
    write('ci/logs/e2e.log', [
      '2026-03-02T08:11:00.0000000Z > GET /api/me',
      P(`2026-03-02T08:11:00.0010000Z   Cookie: session=${jwtC}; theme=dark`, 'jwt', jwtC),
      '2026-03-02T08:11:00.0020000Z   Authorization: Bearer ***',
    ]);
    const pk8 = T.pkcs8();
    write('ci/logs/gha-debug.log', [
      '2026-03-02T08:12:00.1000000Z ##[debug]Evaluating: secrets.SIGNING_KEY',
      ...keyBlock('pkcs8-key', pk8, '2026-03-02T08:12:00.1000001Z '),
    ]);
    const my = pw(), ms = pw(), rd = pw(), mg = pw();
    write('go/internal/db/dsn.go', [
      'package db',
      P(`const mysqlDSN = "app:${my}@tcp(mysql.internal:3306)/orders?parseTime=true"`, 'mysql-dsn', my),
      P(`const sqlServer = "sqlserver://sa:${ms}@mssql.internal:1433?database=orders"`, 'mssql', ms),
      P(`const cache = "rediss://:${rd}@cache.internal:6380/0"`, 'redis-uri', rd),
      P(`const mongo = "mongodb://root:${mg}@mongo-0.mongo,mongo-1.mongo:27017/admin?replicaSet=rs0"`, 'mongodb', mg),
      'const example = "postgres://user:password@localhost:5432/db"',
    ]);
    const jp = pw();
    write('java/src/main/resources/hikari.properties', [
      P(`jdbcUrl=jdbc:sqlserver://sql.internal:1433;databaseName=ledger;user=ledger;password=${jp};encrypt=true`, 'jdbc', jp),
    ]);
    const pgp2 = pw();
    write('home/.pgpass', [P(`db.internal:5432:analytics:analyst:${pgp2}`, 'pgpass', pgp2), 'localhost:5432:*:postgres:*']);
    const urlpw = pw();
    write('python/scripts/mirror.sh', [
      P(`pip install --index-url https://ci:${encodeURIComponent(urlpw + '@#')}@pypi.acme.io/simple/ acme-core`, 'url-cred', urlpw),
      'pip install --index-url https://pypi.org/simple/ requests',
    ]);
    const ak = s(32, AL), cs2 = s(40, URL), tok = s(36, AL);
    write('python/app/clients.py', [
      'import requests',
      P(`analytics = AnalyticsClient(api_key="${ak}", region="eu")`, 'generic-api-key', ak),
      P(`oauth = OAuth2Session(client_id="acme-web", client_secret="${cs2}")`, 'generic-secret', cs2),
      P(`headers = {"X-API-Key": "${tok}"}`, 'generic-api-key', tok),
      'headers2 = {"X-API-Key": os.environ["API_KEY"]}',
    ]);
    const rbpw = pw(), rbk = s(40, HEX);
    write('ruby/lib/payments/client.rb', [
      'module Payments',
      '  class Client',
      P(`    CREDENTIALS = { username: "acme", password: "${rbpw}" }.freeze`, 'generic-password', rbpw),
      P(`    API_SECRET = "${rbk}"`, 'generic-secret', rbk),
      '  end', 'end',
    ]);
    const gosec = s(40, AL);
    write('go/internal/auth/jwt.go', [
      'package auth',
      P(`var signingSecret = []byte("${gosec}")`, 'generic-secret', gosec),
      'var issuer = "https://auth.acme.io"',
    ]);
    const tomlpw = pw(), tomlk = s(48, URL);
    write('python/pyproject.toml', ['[tool.poetry]', 'name = "acme"', '']);
    write('go/config/app.toml', [
      '[database]', 'user = "app"',
      P(`password = "${tomlpw}"`, 'generic-password', tomlpw),
      '[upstream]',
      P(`api_token = "${tomlk}"`, 'generic-api-key', tomlk),
    ]);
    const xmlpw = pw();
    write('java/src/main/resources/logback.xml', [
      '<configuration>', '  <appender name="DB" class="ch.qos.logback.classic.db.DBAppender">',
      '    <connectionSource class="ch.qos.logback.core.db.DriverManagerConnectionSource">',
      '      <url>jdbc:postgresql://logs.internal/logs</url><user>logger</user>',
      P(`      <password>${xmlpw}</password>`, 'generic-password', xmlpw),
      '    </connectionSource>', '  </appender>', '</configuration>',
    ]);
    write('node/src/i18n/en.json', [
      '{', '  "password": "Password",', '  "passwordRequired": "Password is required",',
      '  "token_expired": "Your session token has expired",', '  "api_key_label": "API key"', '}',
    ]);
    write('node/src/forms/login.tsx', [
      'export function Login() {',
      '  const [password, setPassword] = useState("");',
      '  return <input type="password" name="password" placeholder="Enter your password" />;',
      '}',
    ]);
    write('infra/helm/templates/secret.yaml', [
      'apiVersion: v1', 'kind: Secret', 'metadata:', '  name: {{ include "api.fullname" . }}', 'stringData:',
      '  DB_PASSWORD: {{ .Values.postgresql.auth.password | quote }}',
      '  API_TOKEN: "{{ required "token" .Values.apiToken }}"',
    ]);
    write('docs/security.md', [
      '# Secrets', '', 'Never commit values like these:', '', '```',
      'password: "********"', 'api_key: your_api_key_here', 'token: <TOKEN>', 'secret: REPLACE_ME',
      'client_secret: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'AWS_SECRET_ACCESS_KEY=<secret>',
      '```', '', `Build ${s(40, HEX)} — checksum sha256:${s(64, HEX)}`,
      `Trace id ${s(32, HEX)}, span ${s(16, HEX)}.`,
    ]);
    write('node/src/constants.ts', [
      `export const STRIPE_PK = 'pk_live_${s(99)}';`,
      `export const SENTRY_DSN = 'https://${s(32, HEX)}@o${s(6, DIG)}.ingest.sentry.io/${s(7, DIG)}';`,
      `export const GA_ID = 'G-${s(10, UP + DIG)}';`,
      `export const FIREBASE = { apiKey: process.env.FIREBASE_API_KEY, projectId: 'acme-web' };`,
      `export const ALGOLIA_SEARCH_ONLY = '${s(32, HEX)}';`,
    ]);
    const b64pw = pw(), hexTok = T.ghp();
    write('encoded/values.yaml', [
      P(`dbPasswordB64: ${b64(b64pw)}`, 'generic-password', b64pw, true),
      P(`ghTokenHex: ${Buffer.from(hexTok).toString('hex')}`, 'github', hexTok, true),
    ]);
    const sk2 = T.stripe();
    write('patches/0002-stripe.patch', [
      'diff --git a/.env.production b/.env.production', 'index 0000000..1111111 100644',
      '--- a/.env.production', '+++ b/.env.production', '@@ -1,2 +1,2 @@', ' NODE_ENV=production',
      '-STRIPE_SECRET_KEY=sk_live_REPLACE_ME',
      P(`+STRIPE_SECRET_KEY=${sk2}`, 'stripe', sk2),
    ]);
    void sktest;
  }

  // ================= round 3 =================
  {
    const twTok = T.twilioAuth(), tg = T.telegram(), mc = T.mailchimp(), dc = T.discordBot();
    write('python/bot/.env', [
      `TWILIO_ACCOUNT_SID=AC${s(32, HEX)}`,
      P(`TWILIO_AUTH_TOKEN=${twTok}`, 'twilio-auth', twTok),
      P(`TELEGRAM_BOT_TOKEN=${tg}`, 'telegram', tg),
      P(`MAILCHIMP_API_KEY=${mc}`, 'mailchimp', mc),
    ]);
    write('python/bot/discord_bot.py', ['import discord', 'client = discord.Client(intents=discord.Intents.default())', P(`client.run("${dc}")`, 'discord-bot', dc)]);
    const adm = `sk-ant-admin01-${s(93, URL)}AA`, org = `api_org_${s(34, UP + LO)}`;
    write('python/scripts/admin.py', [
      P(`ADMIN_KEY = "${adm}"`, 'anthropic', adm),
      P(`HfApi(token="${org}")`, 'huggingface', org),
    ]);
    const gc = T.ghp();
    write('home/.git-credentials', [P(`https://octocat:${gc}@github.com`, 'github', gc)]);
    const yn = T.npm();
    write('node/.yarnrc.yml', ['nodeLinker: node-modules', 'npmScopes:', '  acme:', '    npmRegistryServer: "https://npm.pkg.github.com"', P(`    npmAuthToken: "${yn}"`, 'npm', yn)]);
    const legacyAuth = b64(`deploy:${pw()}`), legacyPw = b64(pw());
    write('node/legacy/.npmrc', [
      'registry=https://nexus.acme.io/repository/npm-group/',
      P(`_auth=${legacyAuth}`, 'npm-legacy-auth', legacyAuth),
      'always-auth=true',
      '//nexus.acme.io/repository/npm-private/:username=deploy',
      P(`//nexus.acme.io/repository/npm-private/:_password=${legacyPw}`, 'npm-legacy-pw', legacyPw),
    ]);
    const cu = pw(), bj = T.jwt();
    write('ci/scripts/smoke.sh', [
      '#!/bin/sh',
      P(`curl -fsS -u admin:${cu} https://grafana.acme.io/api/health`, 'curl-basic', cu),
      P(`curl -H 'Authorization: Bearer ${bj}' https://api.acme.io/v1/me`, 'jwt', bj),
      'curl -H "Authorization: Bearer $TOKEN" https://api.acme.io/v1/me',
    ]);
    const aj = T.awsSecret(), ajid = T.awsId();
    write('java/src/main/resources/aws.properties', [P(`aws.accessKeyId=${ajid}`, 'aws-id', ajid), P(`aws.secretKey=${aj}`, 'aws-secret', aj)]);
    const an = T.awsSecret(), anid = T.awsId();
    write('dotnet/Api/appsettings.Staging.json', ['{', '  "AWS": {', '    "Region": "eu-central-1",', P(`    "AccessKey": "${anid}",`, 'aws-id', anid), P(`    "SecretKey": "${an}"`, 'aws-secret', an), '  }', '}']);
    const tv = T.awsSecret();
    write('infra/terraform/variables.tf', ['variable "aws_secret_key" {', '  type    = string', P(`  default = "${tv}"`, 'aws-secret', tv), '}']);
    const mr = pw(), pg = pw(), sm = pw(), ap = pw();
    write('infra/compose/.env', [
      P(`MYSQL_ROOT_PASSWORD=${mr}`, 'generic-password', mr),
      P(`PGPASSWORD=${pg}`, 'generic-password', pg),
      'MYSQL_DATABASE=app',
    ]);
    write('java/src/main/resources/application-mail.yml', ['spring:', '  mail:', '    host: smtp.sendgrid.net', '    username: apikey', P(`    password: ${sm}`, 'generic-password', sm)]);
    write('infra/ansible/inventory.ini', ['[web]', P(`web1 ansible_host=10.0.0.5 ansible_user=deploy ansible_password=${ap}`, 'generic-password', ap)]);
    const hs = pw();
    write('infra/scripts/helm-deploy.sh', [P(`helm upgrade --install api ./chart --set postgresql.auth.password=${hs} --set image.tag=1.2.3`, 'generic-password', hs)]);
    const envBlob = `DATABASE_URL=postgres://app:${pw()}@db:5432/app\nSTRIPE_KEY=${T.stripe()}\n`;
    write('infra/k8s/env-secret.yaml', ['apiVersion: v1', 'kind: Secret', 'metadata:', '  name: env', 'data:', P(`  .env: ${b64(envBlob)}`, 'env-blob', 'env', true)]);
    const nbTok = T.glpat();
    const nb = { cells: [{ cell_type: 'code', execution_count: 3, metadata: {}, source: ['import os\n', 'print(os.environ)\n'],
      outputs: [{ output_type: 'stream', name: 'stdout', text: [`environ({'HOME': '/root', 'GITLAB_TOKEN': '${nbTok}'})\n`] }] }], metadata: {}, nbformat: 4, nbformat_minor: 5 };
    write('python/notebooks/debug.ipynb', JSON.stringify(nb, null, 1).split('\n').map((l) => (l.includes(nbTok) ? P(l, 'gitlab', nbTok) : l)));
    const pk = T.sendgrid();
    write('patches/0003-json.diff', [
      'diff --git a/config/prod.json b/config/prod.json', '--- a/config/prod.json', '+++ b/config/prod.json', '@@ -3,3 +3,3 @@',
      '   "mail": {', '-    "sendgridKey": ""', P(`+    "sendgridKey": "${pk}"`, 'sendgrid', pk), '   }',
    ]);
    // hard negatives
    write('ruby/db/seeds.rb', [
      `User.create!(email: "admin@acme.io", encrypted_password: "$2a$12$${s(53, AL + './')}")`,
      `ARGON = "$argon2id$v=19$m=65536,t=3,p=4$${s(22, B64)}$${s(43, B64)}"`,
    ]);
    write('java/src/main/resources/application-enc.yml', [
      'spring:', '  datasource:', `    password: ENC(${s(44, B64)})`,
      `  cloud.config.token: '{cipher}${s(64, HEX)}'`,
      `jenkins.password: {AQAAABAAAAAQ${s(40, B64)}=}`,
    ]);
    write('docs/api.md', [
      '```http', 'GET /v1/orders HTTP/1.1', 'Authorization: Bearer <access_token>', 'Authorization: Basic dXNlcm5hbWU6cGFzc3dvcmQ=', '```',
      'Example token: `sk-ant-api03-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`',
      'Slack example: `xoxb-123456789012-1234567890123-abcdefghijklmnopqrstuvwx`',
      `The git blob ${s(40, HEX)} and the image digest sha256:${s(64, HEX)}.`,
    ]);
    write('node/src/models/user.ts', [
      'export interface User { id: string; passwordHash: string; apiKeyId: string }',
      `export const SEED_USER_ID = '${T.herokuUuid()}';`,
      "const tokenUrl = 'https://auth.acme.io/oauth/token';",
      'const secretName = "prod/db/password";',
    ]);
  }

  // ================= round 4: encodings and odd syntaxes =================
  {
    const gh = T.ghp(), sl = T.slackBot(), aws = T.awsId(), awsS = T.awsSecret(), oa = T.openai();
    write('encoded/k8s-secret-full.yaml', [
      'apiVersion: v1', 'kind: Secret', 'metadata:', '  name: tokens', 'data:',
      P(`  GITHUB_TOKEN: ${b64(gh)}`, 'github', gh, true),
      P(`  SLACK_BOT_TOKEN: ${b64(sl)}`, 'slack', sl, true),
      P(`  AWS_ACCESS_KEY_ID: ${b64(aws)}`, 'aws-id', aws, true),
      P(`  AWS_SECRET_ACCESS_KEY: ${b64(awsS)}`, 'aws-secret', awsS, true),
      P(`  OPENAI_API_KEY: ${b64(oa + '\n')}`, 'openai', oa, true),
    ]);
    const st = T.stripe(), hf = T.hf();
    write('encoded/escaped.json', [
      '{',
      P(`  "config": "{\\"stripe\\":{\\"secret\\":\\"${st}\\"}}",`, 'stripe', st, true),
      P(`  "hf": "\\u0068f_${hf.slice(3)}"`, 'huggingface', hf, true),
      '}',
    ]);
    const dburl = pw();
    write('encoded/db-url.env', [P(`DATABASE_URL=postgres://app:${encodeURIComponent(dburl + '/#?')}@db.internal:5432/app`, 'postgres', dburl, true)]);
    const anth = T.anthropic();
    write('encoded/double.txt', [P(`payload=${b64(b64(`ANTHROPIC_API_KEY=${anth}`))}`, 'anthropic', anth, true)]);
    const sgk = T.sendgrid();
    write('encoded/hexdump.txt', [P(`key_hex=${Buffer.from(sgk).toString('hex')}`, 'sendgrid', sgk, true)]);
    const jtok = T.jwt(), glp = T.glpat();
    write('ci/logs/ansi.log', [
      `\x1b[36m[info]\x1b[0m starting`,
      P(`\x1b[33mGITLAB_TOKEN\x1b[0m=\x1b[32m${glp}\x1b[0m`, 'gitlab', glp),
      P(`::debug::token=${jtok}`, 'jwt', jtok),
    ]);
    const yml = pw();
    write('infra/ansible/roles/db/defaults/main.yml', ['---', P(`postgres_password: "${yml}"  # TODO move to vault`, 'generic-password', yml)]);
    const ps = pw();
    write('infra/scripts/setup.ps1', [
      P(`$SecurePassword = ConvertTo-SecureString "${ps}" -AsPlainText -Force`, 'generic-password', ps),
      '$cred = Get-Credential',
    ]);
    const kt = s(40, AL);
    write('java/build.gradle.kts', [
      'publishing { repositories { maven {',
      '  credentials {', '    username = "deploy"',
      P(`    password = "${kt}"`, 'generic-password', kt),
      '  }', '} } }',
      'val signingKey: String? by project',
    ]);
    const sw = s(48, URL);
    write('go/internal/handlers/webhook.go', ['package handlers', P(`const webhookSecret = "${sw}"`, 'generic-secret', sw), 'const webhookPath = "/hooks/github"']);
    const tsk = s(32, AL);
    write('node/src/config/env.ts', [
      "export const config = {",
      P(`  jwtSecret: process.env.JWT_SECRET || '${tsk}',`, 'generic-secret', tsk),
      "  port: Number(process.env.PORT ?? 3000),",
      '};',
    ]);
    const rbk = s(64, HEX);
    write('ruby/config/initializers/devise.rb', ['Devise.setup do |config|', P(`  config.secret_key = '${rbk}'`, 'generic-secret', rbk), 'end']);
    const cs = pw();
    write('dotnet/Api/Program.cs', [
      'var builder = WebApplication.CreateBuilder(args);',
      P(`var conn = "Host=pg.internal;Port=5432;Database=orders;Username=orders;Password=${cs}";`, 'npgsql', cs),
      'builder.Services.AddDbContext<OrdersDb>(o => o.UseNpgsql(conn));',
    ]);
  }

  // ================= round 5: provider tokens in more contexts =================
  {
    const gh = T.ghp(), gh2 = T.gho(), tf = T.tfc(), vt = T.vault(), hk = T.herokuUuid(), dbx = `${T.databricks()}-2`;
    write('ci/scripts/release.sh', [
      '#!/usr/bin/env bash',
      P(`curl -H "Authorization: token ${gh}" https://api.github.com/repos/acme/api/releases`, 'github', gh),
      P(`curl "https://api.github.com/user?access_token=${gh2}"`, 'github', gh2),
      P(`export TF_TOKEN_app_terraform_io=${tf}`, 'terraform-cloud', tf),
      P(`curl -H "X-Vault-Token: ${vt}" https://vault.internal:8200/v1/secret/data/app`, 'vault', vt),
      P(`export HEROKU_API_KEY=${hk}`, 'heroku-uuid', hk),
      P(`export DATABRICKS_TOKEN=${dbx}`, 'databricks', dbx),
    ]);
    const asia = `ASIA${s(16, B32)}`, asiaS = T.awsSecret();
    write('python/scripts/assume_role_output.json', [
      '{', '  "Credentials": {',
      P(`    "AccessKeyId": "${asia}",`, 'aws-id', asia),
      P(`    "SecretAccessKey": "${asiaS}",`, 'aws-secret', asiaS),
      `    "Expiration": "2026-03-01T12:00:00Z"`, '  }', '}',
    ]);
    const st = T.stripe(), mcK = T.mailchimp();
    write('python/app/billing.py', ['import stripe', P(`stripe.api_key = "${st}"`, 'stripe', st), P(`client.set_config({"api_key": "${mcK}", "server": "us6"})`, 'mailchimp', mcK)]);
    const az = T.azureStorageKey();
    write('dotnet/Functions/local.settings.json', ['{', '  "Values": {',
      P(`    "AzureWebJobsStorage": "DefaultEndpointsProtocol=https;AccountName=acmefn;AccountKey=${az};EndpointSuffix=core.windows.net"`, 'azure-storage', az),
      '  }', '}']);
    const sk = T.twilio(), sec = s(32, AL);
    write('node/src/sms.ts', [
      P(`const apiKey = '${sk}';`, 'twilio', sk),
      P(`const apiSecret = '${sec}';`, 'generic-secret', sec),
      `const accountSid = 'AC${s(32, HEX)}';`,
    ]);
    const shp = T.shopify();
    write('ruby/shopify.app.toml', ['client_id = "' + s(32, HEX) + '"', 'name = "acme-app"', '[access_scopes]', 'scopes = "read_products"', '[auth]', P(`admin_api_access_token = "${shp}"`, 'shopify', shp)]);
    const dk = pw();
    write('ci/.github/workflows/docker.yml', [
      'jobs:', '  push:', '    runs-on: ubuntu-latest', '    steps:',
      P(`      - run: docker login -u acmebot -p ${dk} docker.io`, 'docker-login', dk),
      '      - run: echo "${{ secrets.DOCKERHUB_TOKEN }}" | docker login -u acmebot --password-stdin',
    ]);
    const dckr = `dckr_pat_${s(27, URL)}`;
    write('ci/.env.ci', [P(`DOCKERHUB_TOKEN=${dckr}`, 'docker-pat', dckr)]);
    const gAI = T.gcpKey();
    write('node/src/maps.ts', [P(`const MAPS_KEY = "${gAI}";`, 'gcp-api-key', gAI)]);
    const dpl = `dp.st.dev.${s(40)}`;
    write('go/.doppler.yaml', ['setup:', '  project: api', '  config: dev', P(`  token: ${dpl}`, 'doppler', dpl)]);
    const oaiOld = `sk-${s(48)}`;
    write('python/legacy/gpt.py', [P(`openai.api_key = "${oaiOld}"`, 'openai', oaiOld)]);
    const ant = T.anthropic();
    write('docs/quickstart.md', ['```python', 'import anthropic', P(`client = anthropic.Anthropic(api_key="${ant}")`, 'anthropic', ant), '```']);
  }

  // ================= round 6: kubeconfig, state, public values =================
  {
    const cert = ['-----BEGIN CERTIFICATE-----', ...Array.from({ length: 5 }, () => s(64, B64)), '-----END CERTIFICATE-----'].join('\n') + '\n';
    const key = T.rsaKey().join('\n') + '\n';
    const saTok = T.jwt();
    write('home/.kube/config', [
      'apiVersion: v1', 'clusters:', '- cluster:',
      `    certificate-authority-data: ${b64(cert)}`,
      '    server: https://10.0.0.1:6443', '  name: prod', 'users:', '- name: admin', '  user:',
      `    client-certificate-data: ${b64(cert)}`,
      P(`    client-key-data: ${b64(key)}`, 'rsa-key', 'k', true),
      '- name: ci', '  user:',
      P(`    token: ${saTok}`, 'jwt', saTok),
    ]);
    write('infra/k8s/webhook.yaml', [
      'apiVersion: admissionregistration.k8s.io/v1', 'kind: ValidatingWebhookConfiguration', 'webhooks:', '- name: policy.acme.io', '  clientConfig:',
      `    caBundle: ${b64(cert)}`,
    ]);
    const tfPw = pw(), tfKey = T.awsSecret(), tfId = T.awsId();
    write('infra/terraform/terraform.tfstate', [
      '{', '  "version": 4,', '  "resources": [', '    {', '      "type": "aws_db_instance",', '      "instances": [', '        {', '          "attributes": {',
      P(`            "password": "${tfPw}",`, 'generic-password', tfPw),
      '            "username": "admin"', '          }', '        }', '      ]', '    },', '    {', '      "type": "aws_iam_access_key",', '      "instances": [{ "attributes": {',
      P(`            "id": "${tfId}",`, 'aws-id', tfId),
      P(`            "secret": "${tfKey}",`, 'aws-secret', tfKey),
      `            "ses_smtp_password_v4": null`, '      } }]', '    }', '  ]', '}',
    ]);
    write('dotnet/Acme.sln', [
      'Microsoft Visual Studio Solution File, Format Version 12.00',
      `Project("{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}") = "Api", "Api\\Api.csproj", "{${T.herokuUuid().toUpperCase()}}"`,
      'EndProject', 'Global', '	GlobalSection(SolutionProperties) = preSolution', '		HideSolutionNode = FALSE', '	EndGlobalSection',
      '	GlobalSection(ExtensibilityGlobals) = postSolution', `		SolutionGuid = {${T.herokuUuid().toUpperCase()}}`, '	EndGlobalSection', 'EndGlobal',
    ]);
    const fbKey = T.gcpKey();
    write('node/src/public-config.ts', [
      `export const MAPBOX_TOKEN = 'pk.eyJ1IjoiYWNtZSIsImEiOiJjbH${s(20)}In0.${s(22, URL)}';`,
      `export const RECAPTCHA_SITE_KEY = '6L${s(38, URL)}';`,
      `export const STRIPE_PK_TEST = 'pk_test_${s(99)}';`,
      // Firebase web keys are "public", but every scanner (and GitHub secret scanning) reports AIza keys: a positive.
      P(`export const firebaseConfig = { apiKey: "${fbKey}", authDomain: "acme.firebaseapp.com" };`, 'gcp-api-key', fbKey),
    ]);
    write('php/composer.lock', ['{', '  "packages": [', '    {', '      "name": "guzzlehttp/guzzle",', '      "dist": {', '        "type": "zip",',
      `        "reference": "${s(40, HEX)}",`, `        "shasum": "${s(40, HEX)}"`, '      }', '    }', '  ],', `  "content-hash": "${s(32, HEX)}"`, '}']);
    write('rust/Cargo.lock', ['[[package]]', 'name = "serde"', 'version = "1.0.197"', 'source = "registry+https://github.com/rust-lang/crates.io-index"', `checksum = "${s(64, HEX)}"`]);
    write('node/pnpm-lock.yaml', ['lockfileVersion: 9.0', 'packages:', '  lodash@4.17.21:', `    resolution: {integrity: sha512-${b64(s(64)).slice(0, 86)}==}`]);
    write('infra/terraform/rds.tf', [
      'resource "aws_db_instance" "main" {',
      '  password = var.db_password',
      '  username = random_string.user.result',
      '}',
      'resource "random_password" "db" { length = 32 }',
      'output "db_password" { value = random_password.db.result, sensitive = true }',
    ]);
    write('python/app/auth.py', [
      'def get_token(request):',
      '    token = request.headers.get("Authorization", "").removeprefix("Bearer ")',
      '    api_key = settings.STRIPE_API_KEY',
      '    password = getpass.getpass("Password: ")',
      '    return token',
    ]);
  }

  // ================= round 7: more languages, Dockerfiles, CI =================
  {
    const a = s(32, AL), b = pw(), c = s(40, URL), d = pw(), e = s(36, AL), f = T.sendgrid(), g = pw(), h = b64(`svc:${pw()}`);
    write('docker/Dockerfile', ['FROM node:20-alpine', P(`ENV API_KEY=${a}`, 'generic-api-key', a), 'ARG NPM_TOKEN', P(`ENV DB_PASSWORD="${b}"`, 'generic-password', b), 'RUN npm ci']);
    write('ci/Jenkinsfile', [
      'pipeline {', '  agent any', '  environment {',
      P(`    SONAR_TOKEN = '${c}'`, 'generic-api-key', c),
      "    DEPLOY_CREDS = credentials('deploy-creds')", '  }', '}',
    ]);
    write('java/src/main/kotlin/Config.kt', ['object Config {', P(`    const val DB_PASSWORD = "${d}"`, 'generic-password', d), P(`    const val API_KEY = "${e}"`, 'generic-api-key', e), '}']);
    write('dotnet/Api/Services/Mail.cs', ['public static class MailSettings {', P(`    private const string SendGridKey = "${f}";`, 'sendgrid', f), '}']);
    const salt = s(64, AL + '!@#%^&*()-_[]{}<>~+=,.;:/?|');
    write('php/wp-config.php', ["<?php", "define('DB_NAME', 'wordpress');", "define('DB_USER', 'wp');", P(`define('DB_PASSWORD', '${g}');`, 'generic-password', g), P(`define('AUTH_KEY', '${salt}');`, 'wordpress-salt', salt)]);
    write('infra/nginx/proxy.conf', ['location /api/ {', '  proxy_pass http://backend;', P(`  proxy_set_header Authorization "Basic ${h}";`, 'basic-auth', h), '}']);
    // a credential file: the pack reports the file itself (path rule, line 1), like gitleaks
    const ht = `admin:$apr1$${s(8, AL)}$${s(22, AL + './')}`;
    write('infra/nginx/.htpasswd', [P(ht, 'htpasswd-file', ht), `ops:{SHA}${b64(s(20))}`]);
    const gha = T.ghp();
    write('ci/logs/gha-run.txt', [
      '2026-03-03T09:00:00.0000000Z ##[group]Run echo "configuring"',
      '2026-03-03T09:00:00.0000001Z echo "configuring"',
      '2026-03-03T09:00:00.0000002Z shell: /usr/bin/bash -e {0}',
      '2026-03-03T09:00:00.0000003Z env:',
      P(`2026-03-03T09:00:00.0000004Z   GH_TOKEN: ${gha}`, 'github', gha),
      '2026-03-03T09:00:00.0000005Z   NPM_TOKEN: ***',
      '2026-03-03T09:00:00.0000006Z ##[endgroup]',
    ]);
    const jk = pw();
    write('ci/logs/jenkins-console.txt', [
      'Started by user admin', '[Pipeline] sh',
      P(`+ mysql -h db.internal -u root -p${jk} -e "SELECT 1"`, 'mysql-cli', jk),
      '[Pipeline] End of Pipeline', 'Finished: SUCCESS',
    ]);
    const ruby = T.glpat(), py = pw();
    write('ruby/config/gitlab.rb', [P(`Gitlab.configure { |c| c.private_token = "${ruby}" }`, 'gitlab', ruby)]);
    write('python/app/db.py', ['import psycopg2', P(`conn = psycopg2.connect(host="db.internal", user="app", password="${py}", dbname="app")`, 'generic-password', py)]);
  }

  // ================= round 8: assignment syntaxes =================
  {
    const v = Array.from({ length: 12 }, () => pw());
    const k = Array.from({ length: 6 }, () => s(32, AL));
    write('syntax/settings.yaml', [
      'db:', '  password: |', P(`    ${v[0]}`, 'generic-password', v[0]!),
      P(`cache: {host: redis, password: ${v[1]}}`, 'generic-password', v[1]!),
      P(`api: { key: x, api_key: "${k[0]}" }`, 'generic-api-key', k[0]!),
    ]);
    write('syntax/app.ini', ['[smtp]', P(`password: ${v[2]}`, 'generic-password', v[2]!), P(`api_key = '${k[1]}' ; prod`, 'generic-api-key', k[1]!)]);
    write('syntax/config.xml', [P(`<datasource user="app" password="${v[3]}" url="jdbc:h2:mem:x"/>`, 'generic-password', v[3]!), P(`<add key="ApiKey" value="${k[2]}" />`, 'generic-api-key', k[2]!)]);
    write('syntax/client.go', ['cfg := Config{', '\tUser:     "svc",', P(`\tPassword: "${v[4]}",`, 'generic-password', v[4]!), P(`\tAPIKey:   "${k[3]}",`, 'generic-api-key', k[3]!), '}']);
    write('syntax/env_defaults.py', [
      P(`DB_PASSWORD = os.getenv("DB_PASSWORD", "${v[5]}")`, 'generic-password', v[5]!),
      P(`API_KEY = os.environ.get("API_KEY", "${k[4]}")`, 'generic-api-key', k[4]!),
      'SECRET = os.getenv("SECRET", "")',
    ]);
    write('syntax/env_defaults.rb', [P(`PASSWORD = ENV.fetch("SMTP_PASSWORD", "${v[6]}")`, 'generic-password', v[6]!)]);
    write('syntax/.env.local', [P(`DB_PASS = "${v[7]}"  # local only`, 'generic-password', v[7]!), P(`export SECRET_TOKEN='${k[5]}'`, 'generic-api-key', k[5]!)]);
    write('syntax/Service.java', [
      'DataSource ds = new DataSource();',
      P(`ds.setPassword("${v[8]}");`, 'generic-password', v[8]!),
      P(`props.put("mail.smtp.password", "${v[9]}");`, 'generic-password', v[9]!),
    ]);
    write('syntax/index.js', [P(`function connect(user = "app", password = "${v[10]}") {}`, 'generic-password', v[10]!), P(`const creds = { username: 'ops', password: '${v[11]}' };`, 'generic-password', v[11]!)]);
  }

  // ================= round 9: issue #10 families (Vercel, Cloudflare scannable, Tailscale after '_', partners) =================
  {
    const cf = (p: string): string => {
      const body = s(40, AL);
      return `${p}_${body}${(crc32(body) >>> 0).toString(16).padStart(8, '0')}`;
    };
    const cfk = cf('cfk');
    const cfut = cf('cfut');
    const cfat = cf('cfat');
    const badCf = cfut.slice(0, -8) + ((parseInt(cfut.slice(-8), 16) ^ 1) >>> 0).toString(16).padStart(8, '0');
    const vcp = `vcp_${s(24, AL)}`;
    const vck = `vck_${s(40, AL)}`;
    const ts = `tskey-api-${s(16, AL)}-${s(30, AL)}`;
    const bk = `bkua_${s(40, HEX)}`;
    const or = `sk-or-v1-${s(64, HEX)}`;
    write('deploy/round9.env', [
      P(`CLOUDFLARE_API_KEY=${cfk}`, 'cloudflare', cfk),
      P(`CF_TOKEN="${cfut}"`, 'cloudflare', cfut),
      P(`  account_token: ${cfat}`, 'cloudflare', cfat),
      `CF_TOKEN_ROTATED=${badCf}`,
      P(`VERCEL_TOKEN=${vcp}`, 'vercel', vcp),
      P(`AI_GATEWAY_API_KEY=${vck}`, 'vercel', vck),
      P(`export TS=MY_${ts}`, 'tailscale', ts),
      P(`BUILDKITE_API_TOKEN=${bk}`, 'buildkite', bk),
      P(`OPENROUTER_API_KEY=${or}`, 'openrouter', or),
      'MONGO_NO_AUTH=mongodb://mongo.internal:27017/app',
      'VCP_FirstElement = VCP_BASE',
    ]);
  }

  return { dir, planted, bytes };
}
