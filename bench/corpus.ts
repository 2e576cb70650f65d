/**
 * Seeded, reproducible posts shaped like ../shared/seed: Jekyll front matter, ~9 KB of Chinese HTML
 * on one line, then the Markdown trailer. Post i depends only on (seed, i), so a smaller corpus is
 * the prefix of a larger one and the same seed always gives the same bytes.
 *
 *   tsx bench/corpus.ts 1000 [seed]
 */
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { mulberry32 } from "../scripts/support/prng.js";

/** Bump whenever the output changes, so stale corpora are regenerated rather than reused. */
export const GENERATOR_VERSION = 1;
export const DEFAULT_SEED = 20220520;
/** Every corpus post is due by then; builds and uploads use it as `now`, so runs are deterministic. */
export const NOW = new Date("2025-01-01T00:00:00+08:00");

const CORPUS_ROOT = new URL("./corpus/", import.meta.url);
const CONFIG_TEMPLATE = new URL("../content/_config.yml", import.meta.url);


/** Folds (seed, i) into one 32-bit seed, so post i never depends on how many posts came before. */
function seedOf(seed: number, i: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** 20 categories, most common first; the seed's three come first with the titles content/ gives them. */
export const CATEGORIES: readonly (readonly [name: string, title: string, source: string])[] = [
  ["beijingshangbao", "北京商报新闻", "北京商报"],
  ["zhengquanshibao", "证券时报新闻", "证券时报"],
  ["diyicaijing", "第一财经新闻", "第一财经"],
  ["zhongguozhengquanbao", "中国证券报新闻", "中国证券报"],
  ["shanghaizhengquanbao", "上海证券报新闻", "上海证券报"],
  ["jingjicankaobao", "经济参考报新闻", "经济参考报"],
  ["meirijingjixinwen", "每日经济新闻", "每日经济新闻"],
  ["ershiyishiji", "21世纪经济报道新闻", "21世纪经济报道"],
  ["zhongguojijinbao", "中国基金报新闻", "中国基金报"],
  ["jingjiguanchabao", "经济观察报新闻", "经济观察报"],
  ["xinhuacaijing", "新华财经新闻", "新华财经"],
  ["renminwangcaijing", "人民网财经新闻", "人民网"],
  ["zhongxinjingwei", "中新经纬新闻", "中新经纬"],
  ["jiemian", "界面新闻", "界面新闻"],
  ["pengpai", "澎湃新闻", "澎湃新闻"],
  ["caixin", "财新网新闻", "财新网"],
  ["guojijinrongbao", "国际金融报新闻", "国际金融报"],
  ["zhongguojingyingbao", "中国经营报新闻", "中国经营报"],
  ["huaxiashibao", "华夏时报新闻", "华夏时报"],
  ["dongfangcaifu", "东方财富网新闻", "东方财富网"],
];

/** Topic tags a post may carry after its source's tag (the seed's only tag is the source's title). */
const TOPIC_TAGS = [
  "银行", "股市", "基金", "保险", "IPO", "券商", "理财", "房地产", "宏观", "汽车", "消费", "债券", "科创板",
  "新能源", "外汇", "黄金", "期货", "信托", "普惠金融", "绿色金融", "数字经济", "乡村振兴", "上市公司", "并购",
  "北向资金", "央行", "货币政策", "楼市", "港股", "美股",
];

const SUBJECTS = [
  "江西银行", "北京银行", "宁波银行", "南京银行", "兴业银行", "浦发银行", "民生银行", "招商银行", "工商银行",
  "建设银行", "中信建投", "国泰君安", "华泰证券", "易方达基金", "华夏基金", "中国人寿", "平安保险", "上饶分行",
  "抚州分行", "南昌迎宾大道支行",
];
const REGIONS = ["江西", "北京", "上海", "广东", "浙江", "江苏", "四川", "湖北", "山东", "福建", "安徽", "湖南"];
const HEADINGS = [
  ["迅速响应", "吹响“集结号”"], ["深耕本土", "打出“组合拳”"], ["精准发力", "跑出“加速度”"],
  ["靠前服务", "当好“店小二”"], ["守正创新", "激活“新动能”"], ["聚焦主业", "稳住“基本盘”"],
];
const TITLE_HEADS = [
  "全力写好“强攻二季度、确保双过半”文章", "持续加大普惠小微贷款投放", "发布年度社会责任报告", "三大指数集体反弹",
  "北向资金单周净买入超百亿元", "新发基金规模环比回升", "理财子公司密集上新", "下调首套房贷利率",
  "加码绿色信贷支持实体经济", "科创板IPO审核提速", "消费信贷需求回暖", "一季度净利润同比增长",
];
const SLUG_WORDS = [
  "bank", "loan", "stock", "fund", "ipo", "rebound", "wealth", "insurance", "bond", "credit", "retail", "green",
  "finance", "market", "policy", "rate", "growth", "review", "outlook", "profit", "consumer", "property", "auto",
  "energy", "beijing", "jiangxi", "shanghai", "shenzhen", "quarter", "report",
];

// Seed-like sentences; {S} subject, {R} region, {Y} year, {M} month, {N} whole number, {D} decimal, {P} percent.
const SENTENCES = [
  "“以昂扬斗志全力强攻二季度、确保双过半，奋力夺取疫情防控和经济社会发展双胜利，为完成全年经济社会发展目标打下坚实基础。”近日，{S}召开党委会会议，传达学习全省一季度经济运行分析会精神。",
  "要求全行牢牢把握“稳住、进好、调优”经济工作思路，全面落实“八个强攻”要求，全力打好二季度攻坚战。",
  "今年一季度，{S}经营工作实现了平稳开局，各项指标稳中向好。",
  "二季度作为全力冲刺年度目标的关键时刻，{S}深入贯彻落实省委、省政府决策部署，锚定“双过半”目标，主动策应{R}双“一号工程”。",
  "聚焦惠企纾困、全省重大重点项目建设等服务领域，用实际行动诠释金融使命与担当。",
  "深耕普惠金融、绿色金融、乡村金融、市民金融，培育转型发展潜力，助力经济持续恢复和高质量发展。",
  "主动靠前服务，围绕{R}省重点推进的大中型建设项目，数字经济产业赛道、数字经济集聚区、重点企业和重点项目，加强产品和服务创新。",
  "积极运用白名单准入、加快审批流程、专项规模保障、FTP优惠，加大政策支持和资源倾斜，持续提升金融服务质效。",
  "积极落实中央加强对实体经济降费让利政策及{R}“助企纾困28条”政策举措，对受疫情影响较大的小微企业、个体工商户贷款实行优惠利率。",
  "今年1-{M}月发放普惠型小微贷款{N}亿元，支持{N}户普惠型小微企业和个体工商户发展，直接减费让利金额达到{N}多万元，切实降低企业综合融资成本。",
  "顺应消费升级，不断完善个人信贷产品，满足各类市民群体衣、食、住、行等综合消费信贷需求，今年以来，累计投放个人消费贷款超{N}亿元，同比增幅{P}%。",
  "在消费支付优惠上加大力度，储蓄卡互联网支付营销活动累计带动客户消费{D}万元，助力居民多样性消费需求。",
  "牢记地方银行使命，全力服务地方经济。",
  "{S}以时不我待、只争朝夕的紧迫感，在统筹推进服务实体经济、防控金融风险、深化金融改革各项工作上展现新作为、实现新突破。",
  "持续优化、创新线上化信贷产品，发力供应链金融，为产业链上下游企业提供全流程线上融资服务。",
  "截至{Y}年{M}月底，{S}已向{R}多个重点项目、重点企业放款{D}亿元，工业贷款余额{D}亿元、增幅{P}%，制造业贷款余额{D}亿元、增幅{P}%。",
  "在了解到当地万亩蔬菜基地项目因资金短缺施工进度缓慢的情况后，为其开辟贷款绿色审批通道，及时发放{N}亿元项目贷款。",
  "快速响应并组建工作小组，向企业提供{N}万元绿色信贷资金，支持{R}省级“专精特新”企业生产不停工。",
  "行情数据显示，上证指数本周累计上涨{P}%，深证成指上涨{P}%，创业板指上涨{P}%，两市日均成交额回升至{N}亿元上方。",
  "从资金面看，北向资金本周合计净买入超过{N}亿元，连续两周保持净流入态势，其中食品饮料、电力设备等板块获得加仓。",
  "业内人士认为，随着稳增长政策持续发力，市场风险偏好有望逐步修复，结构性机会值得关注。",
  "坚定信心、铁定决心，抢抓机遇、攻坚克难，{S}正在加压奋进、主动作为，持续为地方实体经济发展注入金融“活水”。",
];

export interface CorpusPost {
  /** `YYYY-MM-DD-<slug>.md`, the file name and the key under content/. */
  key: string;
  text: string;
  category: string;
  tags: string[];
  date: Date;
}

export interface PostOptions {
  /** Latest instant a date may take; posts are spread over the three years before it. */
  end?: Date;
  /** Pin the date instead of drawing one. */
  date?: Date;
  /** Draw categories and topic tags only from the `common` most frequent, so every size has their feeds. */
  common?: number;
}

const THREE_YEARS = 3 * 365 * 86_400_000;
const CORPUS_END = new Date("2024-12-29T23:59:59+08:00");
const ZONE_MS = 8 * 3_600_000; // Asia/Shanghai has had no DST since 1991

function zipfPicker(count: number, s: number): (r: number) => number {
  const weights = Array.from({ length: count }, (_, k) => 1 / (k + 1) ** s);
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) cumulative.push((sum += w / total));
  return (r) => {
    const at = cumulative.findIndex((c) => r < c);
    return at === -1 ? count - 1 : at;
  };
}
const pickCategory = zipfPicker(CATEGORIES.length, 1);
const pickTopic = zipfPicker(TOPIC_TAGS.length, 1.1);

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** The date as the front matter writes it, in one of the forms Jekyll sites use. */
function dateField(date: Date, form: number): string {
  const local = new Date(date.getTime() + ZONE_MS);
  const day = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  switch (form) {
    case 0: return `${day} ${time} +0800`;
    case 1: return `${day} ${time} +08:00`;
    case 2: return date.toISOString().replace(/\.\d{3}Z$/, "Z");
    case 3: return `${day} ${time}`; // the site's zone
    default: return day;
  }
}

/** Post i of the corpus with this seed. */
export function generatePost(seed: number, i: number, options: PostOptions = {}): CorpusPost {
  const random = mulberry32(seedOf(seed, i));
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

  const common = options.common;
  let rank = pickCategory(random());
  if (common !== undefined) rank %= common;
  const [category, categoryTitle, source] = CATEGORIES[rank]!;
  const tags = [categoryTitle];
  const extra = [0, 0, 1, 1, 2][int(0, 4)]!; // 1–3 tags in all
  while (tags.length < 1 + extra) {
    let t = pickTopic(random());
    if (common !== undefined) t %= common;
    const tag = TOPIC_TAGS[t]!;
    if (!tags.includes(tag)) tags.push(tag);
  }

  const end = (options.end ?? CORPUS_END).getTime();
  const drawn = new Date(end - Math.floor(random() * THREE_YEARS / 1000) * 1000);
  // A date alone means midnight in the site's zone; keep the instant equal to what is written.
  const form = [0, 0, 0, 0, 1, 1, 2, 2, 3, 4][int(0, 9)]!;
  let date = options.date ?? drawn;
  if (form === 4) date = new Date(Math.floor((date.getTime() + ZONE_MS) / 86_400_000) * 86_400_000 - ZONE_MS);
  const local = new Date(date.getTime() + ZONE_MS);
  const day = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;

  const fill = (sentence: string) =>
    sentence.replace(/\{([SRYMNDP])\}/g, (_, slot: string) => {
      switch (slot) {
        case "S": return pick(SUBJECTS);
        case "R": return pick(REGIONS);
        case "Y": return String(local.getUTCFullYear());
        case "M": return String(int(1, 12));
        case "N": return String(int(2, 99999));
        case "D": return `${int(1, 999)}.${pad(int(0, 99))}`;
        default: return `${int(1, 99)}.${int(0, 9)}`;
      }
    });

  // One line of paragraphs, as the seed has it, until the body reaches its drawn size.
  const target = int(7_800, 10_200);
  const paragraphs: string[] = [];
  let bytes = 0;
  const add = (html: string) => {
    paragraphs.push(html);
    bytes += Buffer.byteLength(html);
  };
  while (bytes < target) {
    const roll = random();
    if (roll < 0.08) add(`<p>| ${pick(HEADINGS)[0]} | ${pick(HEADINGS)[1]}</p>`);
    else if (roll < 0.18) add(`<p>——${fill(pick(SENTENCES))}</p>`);
    else add(`<p>${Array.from({ length: int(1, 3) }, () => fill(pick(SENTENCES))).join("")}</p>`);
  }
  add(`<p>……</p><p class="em_media">（文章来源：${source}）</p>`);

  const title = `${pick(SUBJECTS)}${pick(TITLE_HEADS)}`;
  const slug = `${pick(SLUG_WORDS)}-${pick(SLUG_WORDS)}-${i.toString(36).padStart(4, "0")}`;
  const code = `NW${day.replace(/-/g, "")}${String(int(0, 9_999_999_999)).padStart(10, "0")}`;
  const text = [
    "---",
    "layout: post",
    `title: "${title}"`,
    `date: ${dateField(date, form)}`,
    `categories: ${category}`,
    `tags: ${tags.join(" ")}`,
    "---",
    paragraphs.join(""),
    "",
    `<http://finews.zning.xyz/html_News/NewsShare.html?infoCode=${code}>`,
    "",
    `[返回${categoryTitle}](//finews.withounder.com/category/${category}.html)｜[返回首页](//finews.withounder.com/)`,
  ].join("\n");
  return { key: `${day}-${slug}.md`, text, category, tags, date };
}

/** content/_config.yml with the 20 categories' display titles in place of its own three. */
export async function configText(): Promise<string> {
  const base = await readFile(CONFIG_TEMPLATE, "utf8");
  const categories = CATEGORIES.map(([name, title]) => `    ${name}: ${title}`).join("\n");
  const replaced = base.replace(/( {2}categories:\n)(?: {4}.+\n?)+/, `$1${categories}\n`);
  if (replaced === base) throw new Error("[bench] [corpus] content/_config.yml has no feeds.categories section to replace");
  return replaced;
}

export interface Manifest {
  generator: number;
  seed: number;
  n: number;
  bytes: number;
  ms: number;
}

export interface Corpus {
  /** Folder holding `_config.yml` and the posts: the content root. */
  content: string;
  manifest: Manifest;
  reused: boolean;
}

/** bench/corpus/<n>/content, generated unless its manifest says it already holds this corpus. */
export async function ensureCorpus(n: number, seed = DEFAULT_SEED, log = (_: string) => {}): Promise<Corpus> {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`[bench] [corpus] size must be a positive integer, got ${n}`);
  const dir = new URL(`./${n}/`, CORPUS_ROOT);
  const content = join(dir.pathname, "content");
  const manifestPath = join(dir.pathname, "manifest.json");
  const existing = await readFile(manifestPath, "utf8").then((t) => JSON.parse(t) as Manifest, () => null);
  if (existing && existing.generator === GENERATOR_VERSION && existing.seed === seed && existing.n === n) {
    // A manifest is written last, so its presence means the folder was completed; check the count anyway.
    const files = await readdir(content).catch(() => [] as string[]);
    if (files.length === n + 1) return { content, manifest: existing, reused: true };
  }

  const started = performance.now();
  await rm(dir, { recursive: true, force: true });
  await mkdir(content, { recursive: true });
  await writeFile(join(content, "_config.yml"), await configText());
  let bytes = 0;
  let next = 0;
  const seen = new Set<string>();
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const post = generatePost(seed, i);
      if (seen.has(post.key)) throw new Error(`[bench] [corpus] duplicate key "${post.key}" at post ${i}`);
      seen.add(post.key);
      bytes += Buffer.byteLength(post.text);
      await writeFile(join(content, post.key), post.text);
      if ((i + 1) % 20_000 === 0) log(`  corpus ${n}: ${i + 1} posts written`);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  const manifest: Manifest = { generator: GENERATOR_VERSION, seed, n, bytes, ms: Math.round(performance.now() - started) };
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { content, manifest, reused: false };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv[2] ?? 1000);
  const seed = Number(process.argv[3] ?? DEFAULT_SEED);
  if (!Number.isSafeInteger(n) || n < 1 || !Number.isSafeInteger(seed)) throw new Error("usage: corpus.ts <posts> [seed]");
  const corpus = await ensureCorpus(n, seed, console.error);
  console.log(`${corpus.content}: ${n} posts, ${corpus.manifest.bytes} bytes${corpus.reused ? " (reused)" : ""}`);
}
