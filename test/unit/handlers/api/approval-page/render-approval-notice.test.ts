import { StrongroomError } from '../../../../../lambdas/domain/errors';
import { renderApprovalNotice } from '../../../../../lambdas/handlers/api/approval-page/render-approval-notice';
import { SAMPLE_NONCE, SAMPLE_NOTICES } from './fixtures';
import { openingTags, tagsNamed, textOfElement } from './html-probe';

describe('renderApprovalNotice', () => {
  it.each(SAMPLE_NOTICES.map((notice) => [notice.status, notice] as const))(
    'serves the %i page with its data-outcome, title and lines, and no form, link or script',
    (status, notice) => {
      const html = renderApprovalNotice(notice, SAMPLE_NONCE);
      const mains = tagsNamed(html, 'main');
      expect(mains).toHaveLength(1);
      expect(mains[0]!.attributes.get('data-outcome')).toBe(String(status));
      expect(textOfElement(html, 'data-outcome', String(status))).toBe([notice.title, ...notice.lines].join(' '));
      expect(textOfElement(html, 'nonce', SAMPLE_NONCE)).toBeDefined();
      const names = new Set(openingTags(html).map((tag) => tag.name));
      for (const name of ['form', 'input', 'button', 'textarea', 'a', 'script', 'img', 'link']) {
        expect(names.has(name)).toBe(false);
      }
      for (const tag of openingTags(html)) {
        for (const name of tag.attributes.keys()) expect(['href', 'src', 'action', 'style']).not.toContain(name);
      }
    },
  );

  it('escapes the title and every line', () => {
    const hostile = `<script>alert(1)</script>"'><img src=x onerror=alert(1)>`;
    const html = renderApprovalNotice(
      { status: 409, title: `t${hostile}`, lines: [`a${hostile}`, `b${hostile}`] },
      SAMPLE_NONCE,
    );
    expect(html).not.toMatch(/<script|<img/i);
    expect(tagsNamed(html, 'p')).toHaveLength(2);
    expect(textOfElement(html, 'data-outcome', '409')).toBe(`t${hostile} a${hostile} b${hostile}`);
    expect(html).toContain(`<title>t&lt;script&gt;`);
  });

  it('refuses a nonce that is not base64', () => {
    expect(() => renderApprovalNotice(SAMPLE_NOTICES[0]!, '"><script>')).toThrow(StrongroomError);
  });
});
