/**
 * A site configuration whose feeds hold 3 items: every edit then shifts feeds (items pushed to
 * the reserve, refills, emptied feeds, rescans), so a few posts reach every path of the state.
 */
export const SMALL_SITE_CONFIG = `title: 测试站
url: https://news.example.com
timezone: Asia/Shanghai
lang: zh-CN
feeds:
  limit: 3
  categories:
    bank: 银行新闻
`;
