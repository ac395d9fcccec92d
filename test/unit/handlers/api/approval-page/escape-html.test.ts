import { escapeHtml } from '../../../../../lambdas/handlers/api/approval-page/escape-html';

describe('escapeHtml', () => {
  it('escapes the five characters that open a tag, an entity or leave a quoted attribute', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
  });

  it('leaves every other character as it is', () => {
    expect(escapeHtml('Zürich 0x5F = 1.5 ETH / ₿ \u202e')).toBe('Zürich 0x5F = 1.5 ETH / ₿ \u202e');
  });
});
