import { describe, expect, it } from 'vitest';
import { expandPartials } from '../../../mail/partials.ts';
import { InvalidTemplateError } from '../../../mail/render.ts';

const store = (pieces: Record<string, string>) => async (key: string) =>
  pieces[key] === undefined ? undefined : { version: key.length, mjml: pieces[key] };

describe('expandPartials', () => {
  it('puts a partial in place and reports the versions it used', async () => {
    const result = await expandPartials('<mj-text>{{> _sig}}</mj-text>', store({ _sig: 'Sales team' }));
    expect(result).toEqual({ mjml: '<mj-text>Sales team</mj-text>', used: [{ key: '_sig', version: 4 }] });
  });

  it('wraps a block in a layout at its content slot, partials inside both expanded', async () => {
    const pieces = { _layout: '<top/>{{> @partial-block}}{{> _foot}}', _foot: '<foot/>', _greet: 'Hi' };
    const result = await expandPartials('{{#> _layout}}<body>{{> _greet}}</body>{{/_layout}}', store(pieces));
    expect(result.mjml).toBe('<top/><body>Hi</body><foot/>');
    expect(result.used.map((u) => u.key)).toEqual(['_foot', '_greet', '_layout']);
  });

  it('leaves Handlebars expressions that are not partials alone', async () => {
    expect((await expandPartials('{{lead.name}} {{#if x}}y{{/if}}', store({}))).mjml).toBe(
      '{{lead.name}} {{#if x}}y{{/if}}',
    );
  });

  it('refuses a missing partial and a partial that includes itself', async () => {
    await expect(expandPartials('{{> _none}}', store({}))).rejects.toBeInstanceOf(InvalidTemplateError);
    await expect(expandPartials('{{> _loop}}', store({ _loop: 'again {{> _loop}}' }))).rejects.toThrow(
      /nest more than/,
    );
  });

  it('refuses a block partial without a content slot', async () => {
    await expect(expandPartials('{{#> _plain}}x{{/_plain}}', store({ _plain: '<no-slot/>' }))).rejects.toThrow(
      /content slot/,
    );
  });
});
