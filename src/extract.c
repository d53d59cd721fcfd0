/*
 * Extraction of profile facts from the transcript: the caller's name, their
 * phone numbers and email addresses, and authentication attempts.  See
 * include/convtrack/extract.h for the contract and docs/text-rules-extract.md
 * for the rules and their measured error rates.
 *
 * Names come only from self-introduction patterns ("my name is X", "I'm X",
 * "this is X", "call me X", "X here", ...), and X must look like a name: not
 * a word of the closed lists below (function words, common verbs, adjectives
 * of state, nouns, nationalities, places, kin words), not shaped like a verb
 * or an adjective (-ing, -ous, -able, ...), and, for the weak patterns,
 * followed by the end of the clause.  Capitalization is evidence only when
 * the text carries case (mixed case, not Title Case) and the word does not
 * start a sentence: then "I'm Blessing" is a name and "I'm tired" is not.
 * Common words that are also given names in Zimbabwe (Blessing, Precious,
 * Memory, Gift, ...) need that evidence or an explicit "my name is".
 *
 * A phone number or email belongs to the caller when the nearest cue before
 * it in the same sentence is a self cue ("my number", "me on", "mine"), to
 * someone else when it is a cue for another person ("my brother", "her",
 * "Tendai's", "send"), and to nobody in particular otherwise.
 *
 * Pure: no I/O, no global mutable state; the word lists are constants.
 */
#include "convtrack/extract.h"

#include <string.h>

#include "embedded.h"
#include "textscan.h"

/*
 * The VADER sentiment lexicon that the sentiment rules embed: 7,000 English
 * words of feeling ("grumpy", "dizzy", "stubborn"), none of them a given
 * name except the virtue names of ct_ex_soft_names, so "I'm X" with X in it
 * is no introduction.
 */
#define CT_EX_FEELING_LEXICON "vader_lexicon.txt"

/* ---------------------------------------------------------------------- */
/* Word lists: space-separated, lower-case, as the tokenizer spells tokens. */

/* Function words, pronouns, auxiliaries, quantifiers, adverbs, numbers. */
static const char ct_ex_closed[] =
	" a an the this that these those there here my your ur his her its"
	" our their mine yours hers ours theirs me you u him us them i im"
	" we they he she it myself yourself himself herself itself"
	" ourselves themselves one ones someone somebody something anyone"
	" anybody anything everyone everybody everything noone nobody"
	" nothing none no not never nor neither either yes yeah yep yup nah"
	" nope ok okay alright well oh ah aha uh um umm er erm hmm hm hey"
	" hi hie hello bye goodbye please pls plz thanks thank thx sorry"
	" pardon excuse welcome am is are was were be been being have has"
	" had do does did doing will would shall should can could may might"
	" must i'm i've i'll i'd you're you've you'll you'd he's she's it's"
	" we're we've they're they've that's there's here's what's who's"
	" cannot can't couldn't won't wouldn't shouldn't don't doesn't"
	" didn't isn't aren't wasn't weren't haven't hasn't hadn't ain't"
	" gonna wanna gotta ought let lets let's and or but so yet for"
	" because cause cos since as if unless whether though although"
	" while whilst when whenever where wherever why how what whatever"
	" which whichever who whom whose whoever than then to of in on at"
	" by from with without within into onto upon about above below"
	" under beneath over after before during through throughout across"
	" along alongside around among amongst against toward towards"
	" behind beside besides between beyond near nearby off out up down"
	" via per like unlike except including regarding concerning re all"
	" any both each every few many much more most less least several"
	" some such same other others another own only just even still"
	" already always often sometimes usually also too very really quite"
	" pretty rather fairly somewhat almost nearly approximately exactly"
	" actually basically literally definitely probably possibly maybe"
	" perhaps certainly surely truly totally completely entirely"
	" absolutely extremely seriously honestly simply merely currently"
	" presently recently finally suddenly urgently immediately now"
	" today tonight tomorrow tmrw yesterday soon later asap again once"
	" twice back away ago ahead apart aside abroad overseas home inside"
	" outside upstairs downstairs somewhere anywhere everywhere nowhere"
	" elsewhere else first second third last next zero two three four"
	" five six seven eight nine ten eleven twelve twenty thirty forty"
	" fifty hundred thousand million billion half quarter double triple"
	" lot lots bit little kind sort type way thing things stuff outta"
	" kinda sorta lemme gimme dunno ya yall y'all innit unto past till"
	" thirteen fourteen fifteen sixteen seventeen eighteen nineteen"
	" sixty seventy eighty ninety dozen couple pair ";

/* Adjectives and participles of state ("I'm tired", "this is ridiculous"). */
static const char ct_ex_adjectives[] =
	" able unable afraid alive alone angry annoyed anxious ashamed"
	" asleep awake aware unaware bad better best big bigger blind bored"
	" broke broken busy calm careful careless certain uncertain cheap"
	" clear close cold comfortable uncomfortable concerned confident"
	" confused correct incorrect crazy curious dead deaf desperate"
	" different difficult disabled disappointed disgusted dissatisfied"
	" done drunk due dumb early easy eligible ineligible embarrassed"
	" empty engaged enough entitled excited exhausted expensive fair"
	" false familiar famous fat fed fine finished fit free frightened"
	" frustrated full funny furious glad good grateful great guilty"
	" hard healthy heavy helpless hopeless hot hungry hurt ill"
	" important impatient impressed interested involved jealous keen"
	" late lazy left legal illegal liable light likely unlikely local"
	" lonely long loud low mad married single divorced widowed"
	" separated missing nervous new nice normal old open outraged"
	" overdrawn overcharged owed paid patient pending perfect pleased"
	" poor positive negative possible impossible pregnant prepared"
	" present absent private proud quick quiet ready real relieved"
	" reluctant responsible retired rich right sad safe unsafe"
	" satisfied unsatisfied scared serious short shocked sick silly"
	" sleepy slow small sober sorry special stable strong stupid sure"
	" unsure surprised suspicious tall thankful thirsty tired true"
	" unhappy unemployed employed upset urgent used useless valid"
	" invalid vegan vegetarian weak wet wrong young worried worse worst"
	" wise delighted alarmed amazed appalled baffled bewildered"
	" stressed stuck stranded terrible terrified thrilled tough"
	" troubled uneasy unfamiliar unwell unpaid useful hopeful doubtful"
	" fearful eager fond starving starved famished cool warm online"
	" offline overdue existing active inactive blocked locked frozen"
	" suspended closed verified unverified registered unregistered"
	" approved declined rejected denied charged debited credited"
	" refunded scammed robbed hacked defrauded cheated misled ignored"
	" lost foreign ridiculous unacceptable annoying frustrating"
	" disgusting outrageous absurd insane mental nuts weird strange odd"
	" fake awful horrible pathetic lovely amazing awesome excellent"
	" brilliant fantastic wonderful superb injured dying friendly ugly"
	" elderly holy jolly costly deadly curly lively only daily fed up"
	" scared sure tired bored scared fired hired saved owned wired"
	" irked jaded spelled spelt misspelled changed written printed"
	" shown listed wrong unknown unclear invisible unavailable"
	" available homeless jobless broke penniless old enough diabetic"
	" asthmatic epileptic allergic anaemic anemic arthritic autistic"
	" dyslexic handicapped underage adult minor mute thin skinny slim"
	" dry naked tipsy high fried set based domestic permanent temporary"
	" parttime fulltime self freelance skint solvent insolvent owing"
	" square poorly hungover sunburnt jetlagged overweight underweight"
	" colorblind unwell feverish nauseous dizzy sleepy sore stiff numb"
	" deaf dumb lame sick blind legit alright ok okey fit fat slow fast"
	" quick easy hard rough smooth sharp dull clean dirty neat messy"
	" tidy brave bold shy calm quiet loud proud humble polite rude kind"
	" mean nice cruel gentle fair unfair honest lazy busy idle free"
	" open closed full empty heavy light dark bright clever dumb wise"
	" silly serious funny boring bored cheap dear rich poor broke"
	" wealthy comfy cozy cosy snug sweet sour bitter salty spicy tasty"
	" yummy raw cooked frozen melted burnt broken torn ripped cracked"
	" bent stolen missing gone found safe sound ";

/* Common verbs, with the irregular forms the suffix rules miss. */
static const char ct_ex_verbs[] =
	" go goes going gone went get gets getting got gotten make makes"
	" making made take takes taking took taken give gives giving gave"
	" see sees seeing saw seen know knows knew known think thinks"
	" thought feel feels felt find finds found tell tells told say says"
	" said ask asks need needs want wants try tries tried use uses come"
	" comes came become became leave leaves lose loses lost pay pays"
	" paid send sends sent buy buys bought sell sells sold keep keeps"
	" kept hold holds held stand stood sit sat run runs ran bring"
	" brought begin began begun break breaks choose chose chosen drive"
	" drove driven eat ate eaten fall fell fallen fly flew flown forget"
	" forgot forgotten forgive grow grew grown hear heard hide hid hit"
	" lie lay lead led mean meant meet met put read ride rode ring rang"
	" rung shake shook show shown shut sing sang speak spoke spoken"
	" spend spent steal stole stolen teach taught throw threw thrown"
	" understand understood wake woke win won wear wore worn write"
	" wrote written check click tap press checks help helps wait waits"
	" look looks work works live lives stay stays move travel call"
	" calls text texts email emails dial reach contact start stop"
	" finish apply change cancel transfer withdraw deposit borrow lend"
	" owe charge block unblock activate reset verify confirm update"
	" report complain explain wonder plan expect receive happen believe"
	" suppose guess mind like love hate prefer remember worry cry laugh"
	" smile sleep talk listen reply answer respond request order book"
	" sign log login logon logout register join enroll enrol supposed"
	" meant born bound calling speaking ringing phoning texting bent"
	" burnt burned dealt dug hung knelt lent lit slid spun split spread"
	" struck swept torn tore wound wept bled bred cast cost quit shed"
	" spilt stung sunk shrunk swung slept built sworn sought fought"
	" caught bitten hidden ridden stuck ";

/* Common nouns that follow "I'm", "this is", "it's" without an article. */
static const char ct_ex_nouns[] =
	" customer client member student pensioner user owner holder"
	" accountholder account accounts card cards bank banks money cash"
	" balance loan payment transfer deposit withdrawal statement"
	" problem issue question complaint query fraud scam theft robbery"
	" nonsense rubbish madness joke disgrace shame emergency time"
	" morning afternoon evening night day week month year weekend"
	" holiday monday tuesday wednesday thursday friday saturday sunday"
	" january february march april may june july august september"
	" october november december noon midnight ecocash onemoney telecash"
	" innbucks zipit ussd pin otp password code app phone number email"
	" line network service office branch agent staff manager teacher"
	" nurse doctor farmer driver worker employee employer business"
	" company government police army visa mastercard atm swipe pos"
	" internet airtime data bundle fees fee charge charges interest"
	" rate rates dollar dollars usd zwl zig rtgs rand rands pounds"
	" euros bond notes coins change everyone nobody lunch dinner"
	" breakfast weather traffic work school church hospital court"
	" spring vendor trader engineer accountant lawyer attorney"
	" developer programmer director merchant retailer wholesaler"
	" mechanic plumber electrician builder miner soldier officer"
	" dentist pharmacist chef cook waiter waitress cashier clerk"
	" secretary receptionist journalist photographer artist musician"
	" singer dancer actor actress writer author blogger youtuber gamer"
	" volunteer intern apprentice graduate undergraduate postgrad"
	" lecturer researcher scientist beginner newbie novice expert"
	" amateur professional consultant contractor freelancer"
	" entrepreneur businessman businesswoman shopkeeper hawker farmer"
	" gardener cleaner housekeeper nanny caregiver carer pilot sailor"
	" fisherman tailor barber hairdresser carpenter welder painter"
	" designer architect surveyor technician analyst banker broker"
	" auditor teller supervisor administrator assistant coordinator"
	" executive ceo cfo founder shareholder investor dealer seller"
	" buyer borrower lender debtor creditor guarantor payee payer"
	" subscriber applicant candidate beneficiary patient victim witness"
	" suspect retiree widow widower orphan parent guardian teenager"
	" teen senior youth citizen foreigner lodger roommate flatmate"
	" housemate vegetarian pescatarian carnivore autumn winter summer"
	" fall ";

/* Kin and role words: "call me dad" is no name; "my brother on" not self. */
static const char ct_ex_kin[] =
	" brother brothers sister sisters bro sis wife husband hubby spouse"
	" partner mother mom mum mommy mummy mama ma amai mhamha father dad"
	" daddy papa pa son sons daughter daughters child children kid kids"
	" baby boy girl boyfriend girlfriend fiance fiancee uncle aunt"
	" auntie aunty cousin nephew niece grandmother grandfather grandma"
	" grandpa granny gogo sekuru mbuya tete babamukuru friend friends"
	" colleague boss neighbour neighbor landlord tenant maid gardener"
	" guy man woman lady gentleman person people family relative"
	" relatives lord king queen master captain chief buddy mate dude"
	" darling dear honey sweetheart babe ";

/* Nationalities, languages, faiths and other "I'm <group>" words. */
static const char ct_ex_groups[] =
	" afghan albanian algerian american andorran angolan antiguan"
	" argentine argentinian armenian australian austrian azerbaijani"
	" azeri bahamian bahraini bangladeshi barbadian belarusian belgian"
	" belizean beninese bhutanese bolivian bosnian botswanan motswana"
	" batswana brazilian british brit bruneian bulgarian burkinabe"
	" burmese burundian cambodian cameroonian canadian verdean chadian"
	" chilean chinese colombian comoran congolese rican croatian cuban"
	" cypriot czech danish djiboutian dominican dutch ecuadorian"
	" egyptian emirati english eritrean estonian ethiopian fijian"
	" filipino filipina finnish french gabonese gambian georgian german"
	" ghanaian greek grenadian guatemalan guinean guyanese haitian"
	" honduran hungarian icelandic indian indonesian iranian iraqi"
	" irish israeli italian ivorian jamaican japanese jordanian kazakh"
	" kazakhstani kenyan kiwi korean kosovar kuwaiti kyrgyz lao laotian"
	" latvian lebanese liberian libyan lithuanian luxembourgish"
	" macedonian malagasy malawian malaysian maldivian malian maltese"
	" mauritanian mauritian mexican moldovan monegasque mongolian"
	" montenegrin moroccan mozambican namibian nepalese nepali"
	" nicaraguan nigerien nigerian norwegian omani pakistani"
	" palestinian panamanian paraguayan peruvian polish portuguese"
	" qatari romanian russian rwandan salvadoran samoan saudi scottish"
	" senegalese serbian leonean singaporean slovak slovakian slovenian"
	" somali somalian spanish lankan sudanese surinamese swazi swedish"
	" swiss syrian taiwanese tajik tanzanian thai togolese tongan"
	" trinidadian tunisian turkish turkmen ugandan ukrainian uruguayan"
	" uzbek venezuelan vietnamese welsh yemeni zambian zimbabwean zimbo"
	" arab arabic asian african european caribbean hispanic latino"
	" latina scandinavian nordic balkan slavic persian kurdish basque"
	" catalan celtic aussie yank shona ndebele zulu xhosa tswana tonga"
	" venda sotho basotho swahili hindi urdu bengali punjabi tamil"
	" mandarin cantonese latin muslim catholic protestant buddhist"
	" hindu atheist anglican methodist pentecostal apostolic adventist"
	" foreigner citizen resident tourist visitor expat immigrant"
	" refugee diaspora black white local ";

/* Where a caller is: places and location adverbs ("I'm downtown"). */
static const char ct_ex_places[] =
	" africa america europe asia australia zimbabwe zim harare bulawayo"
	" mutare gweru kwekwe masvingo chinhoyi marondera kadoma"
	" chitungwiza epworth beitbridge hwange kariba zambia lusaka"
	" botswana gaborone mozambique maputo malawi lilongwe namibia"
	" windhoek johannesburg joburg jozi pretoria durban kenya nairobi"
	" nigeria lagos ghana accra england london britain uk usa canada"
	" china india dubai russia moscow france paris germany italy spain"
	" portugal ireland scotland wales japan mexico brazil town city"
	" village country abroad overseas downtown uptown midtown upstate"
	" downstate inland offshore onshore onsite offsite indoors outdoors"
	" onboard aboard ashore underground uphill downhill upcountry rural"
	" urban ";

/*
 * Common words that are also given names (Zimbabwean virtue names and
 * English ones): a name only with evidence, i.e. capitalized in text that
 * carries case, or after "my name is".
 */
static const char ct_ex_soft_names[] =
	" precious memory blessing blessed gift talent innocent clever"
	" brilliant trust patience prosper faith hope grace joy mercy"
	" charity happy happiness beauty lucky fortune justice wisdom"
	" knowledge given rejoice major loveness privilege marvellous"
	" marvelous fortunate honest smart perfect noble junior christian"
	" frank will mark bill rose sue pat ray art dawn ivy ruby amber"
	" crystal pearl daisy violet holly ginger lily destiny harmony"
	" melody trinity felicity constance prudence chance sunny rusty"
	" sandy cliff jack max sky star angel princess prince goodness"
	" comfort success wonder earnest ";

/* Titles that may precede a name ("Mr Moyo", "Mai Chipo": Chipo's mother). */
static const char ct_ex_titles[] =
	" mr mrs ms miss mx dr prof professor sir madam ma'am mister rev"
	" reverend pastor mai baba amai ";

/* Interjections and greetings that may open a clause before "I'm X". */
static const char ct_ex_openers[] =
	" hi hie hello hallo hey greetings yes yeah yep ok okay well so and"
	" but oh um uh er erm hmm morning afternoon evening good there sir"
	" madam ma'am right sure alright also anyway actually howzit ";

/* Words that may follow a name without continuing a predicate. */
static const char ct_ex_after_name[] =
	" and but so or from here speaking calling i i'm im i've i'd i'll"
	" my me please sir madam ma'am hello hi hey thanks thank ok okay"
	" yes no how what can could would may need want just by again"
	" instead also ";

/* Fillers skipped between a pattern and the name ("I'm, uh, Tendai"). */
static const char ct_ex_fillers[] = " uh um umm er erm ah eh ";

/* Nouns of a contact detail: "my <noun>" is a self cue for a phone or email. */
static const char ct_ex_contact_nouns[] =
	" number numbers phone cell cellphone mobile line whatsapp contact"
	" contacts details telephone landline ecocash onemoney telecash"
	" email emails e mail address gmail no ";

/* Cues that a number or email is someone else's (besides kin and 's). */
static const char ct_ex_other_cues[] =
	" his her their him them he she they he's she's they're someone"
	" somebody recipient beneficiary sender agent merchant shop another"
	" wrong unknown send sent sending transfer transferred transferring"
	" pay paid paying receive received receiving ";

/* Currency words that make an adjacent number an amount. */
static const char ct_ex_currency[] =
	" usd us zwl zwg zig rtgs zar r rand rands bond gbp eur bwp zmw"
	" dollar dollars cents bucks percent pm am hours hrs minutes mins"
	" days weeks months years k ";

/* Top-level domains accepted at the end of a spoken email address. */
static const char ct_ex_tlds[] =
	" com net org edu gov info biz io co zw za uk us ac me mobi africa ";

/* ---------------------------------------------------------------------- */
/* Small helpers. */

/* True when w is one of the space-separated words of list. */
static bool ct_ex_in(const char *list, const char *w)
{
	size_t n = strlen(w);
	const char *p = list;

	if (n == 0 || strchr(w, ' '))
		return false;
	while ((p = strstr(p, w)) != NULL) {
		if (p > list && p[-1] == ' ' && (p[n] == ' ' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

/* Copies at most cap - 1 bytes of s (n bytes) to out, not splitting UTF-8. */
static void ct_ex_copy(char *out, size_t cap, const char *s, size_t n)
{
	if (n > cap - 1) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(out, s, n);
	out[n] = '\0';
}

/* The tokens of one text and what the rules need to know about it. */
struct ct_ex {
	const char *text;
	size_t len;
	const struct ct_text_tokens *t;
	bool case_info; /* capitalization carries information */
};

/* Token i, lower-cased; "" past the end. */
static const char *ct_ex_tok(const struct ct_ex *x, size_t i)
{
	return i < x->t->n ? x->t->v[i].s : "";
}

/* True when the bytes before token i (since token i - 1) contain one of set. */
static bool ct_ex_gap_has(const struct ct_ex *x, size_t i, const char *set)
{
	size_t a = i == 0 ? 0 : x->t->v[i - 1].end;
	size_t b = i < x->t->n ? x->t->v[i].start : x->len;

	for (; a < b; a++)
		if (x->text[a] != '\0' && strchr(set, x->text[a]))
			return true;
	return false;
}

/* Number of bytes between token i - 1 and token i. */
static size_t ct_ex_gap_len(const struct ct_ex *x, size_t i)
{
	size_t a = i == 0 ? 0 : x->t->v[i - 1].end;
	size_t b = i < x->t->n ? x->t->v[i].start : x->len;

	return b - a;
}

/* True when token i starts a sentence (or i is the end of the text). */
static bool ct_ex_sentence_start(const struct ct_ex *x, size_t i)
{
	return i == 0 || i >= x->t->n || ct_ex_gap_has(x, i, ".!?\n\r");
}

/* True when punctuation separates token i from the one before it. */
static bool ct_ex_clause_break(const struct ct_ex *x, size_t i)
{
	if (i == 0 || i >= x->t->n)
		return true;
	if (ct_ex_gap_has(x, i, ".!?\n\r,;:()\"[]"))
		return true;
	return ct_ex_gap_has(x, i, "-") && ct_ex_gap_len(x, i) > 1;
}

/* True when token i opens a clause, after optional greetings ("hi, so I'm"). */
static bool ct_ex_clause_start(const struct ct_ex *x, size_t i)
{
	while (i > 0 && !ct_ex_clause_break(x, i)) {
		if (!ct_ex_in(ct_ex_openers, ct_ex_tok(x, i - 1)))
			return false;
		i--;
	}
	return true;
}

/* True when token i is written with a capital that is evidence of a name. */
static bool ct_ex_capitalized(const struct ct_ex *x, size_t i)
{
	return x->case_info && !ct_ex_sentence_start(x, i) &&
	       ct_scan_upper(x->text[x->t->v[i].start]);
}

/* True when token i is written in lower case inside a text that has case. */
static bool ct_ex_lowered(const struct ct_ex *x, size_t i)
{
	return x->case_info && !ct_ex_sentence_start(x, i) &&
	       ct_scan_lower(x->text[x->t->v[i].start]);
}

static bool ct_ex_listed(const char *w);

/*
 * True when capitalization in the text tells names apart: it has both
 * cases, and it is not Title Case, where most common words after the first
 * of a sentence are capitalized ("I'm Going To Be In Russia").  The first
 * 200 tokens are enough to tell.
 */
static bool ct_ex_has_case(const char *text, size_t len,
			   const struct ct_text_tokens *t)
{
	struct ct_ex x = { text, len, t, false };
	bool lo = false, up = false;
	size_t i, words = 0, caps = 0;

	for (i = 0; i < len; i++) {
		lo = lo || ct_scan_lower(text[i]);
		up = up || ct_scan_upper(text[i]);
	}
	if (!lo || !up)
		return false;
	for (i = 0; i < t->n && i < 200; i++) {
		const char *s = t->v[i].s;

		if (!ct_scan_alpha(text[t->v[i].start]) ||
		    ct_ex_sentence_start(&x, i))
			continue;
		if (strcmp(s, "i") == 0 || strncmp(s, "i'", 2) == 0 ||
		    !ct_ex_listed(s))
			continue;
		words++;
		if (ct_scan_upper(text[t->v[i].start]))
			caps++;
	}
	return !(words >= 2 && caps * 2 > words);
}

/* ---------------------------------------------------------------------- */
/* Names. */

enum ct_ex_mode {
	CT_EX_WEAK, /* "I'm X", "this is X", "X here": X must look like one */
	CT_EX_STRONG /* "my name is X", or the answer to "what is your name?" */
};

/*
 * True when w ends like a verb form, adverb or adjective, not a name.
 * strict adds "-ed" and "-ly", which some names have (Mohammed, Kimberly):
 * it is for the weak patterns only.
 */
static bool ct_ex_wordlike_suffix(const char *w, bool strict)
{
	static const struct {
		const char *suf;
		size_t min;
	} rules[] = {
		{ "ing", 6 },  { "ly", 7 },   { "ous", 5 },  { "ful", 5 },
		{ "less", 6 }, { "able", 6 }, { "ible", 6 }, { "ive", 6 },
		{ "ness", 6 }, { "ment", 6 }, { "tion", 5 }, { "sion", 5 },
		{ "ism", 5 },  { "ity", 5 },  { "ese", 5 },  { "ed", 6 },
		{ "ial", 6 },  { "ical", 6 }, { "onal", 6 }, { "ual", 5 },
		{ "ist", 6 },  { "ary", 9 },  { "ent", 8 },  { "ant", 8 },
	};
	size_t n = strlen(w), k;

	for (k = 0; k < sizeof(rules) / sizeof(rules[0]); k++) {
		size_t m = strlen(rules[k].suf);

		if (!strict && (strcmp(rules[k].suf, "ed") == 0 ||
				strcmp(rules[k].suf, "ly") == 0))
			continue;
		/* Beverly, Kimberly: "-rly" ends names more than adverbs. */
		if (strcmp(rules[k].suf, "ly") == 0 && n >= 3 &&
		    w[n - 3] == 'r')
			continue;
		if (n >= rules[k].min && strcmp(w + n - m, rules[k].suf) == 0)
			return true;
	}
	return false;
}

/* True when w is in one of the lists of words that are not names. */
static bool ct_ex_listed(const char *w)
{
	return ct_ex_in(ct_ex_closed, w) || ct_ex_in(ct_ex_adjectives, w) ||
	       ct_ex_in(ct_ex_verbs, w) || ct_ex_in(ct_ex_nouns, w) ||
	       ct_ex_in(ct_ex_kin, w) || ct_ex_in(ct_ex_groups, w) ||
	       ct_ex_in(ct_ex_places, w) || ct_ex_in(ct_ex_titles, w);
}

/* True when w is the plural or 3rd person of a listed noun or verb. */
static bool ct_ex_inflected(const char *w)
{
	char stem[CT_TEXT_TOKEN_MAX + 1];
	size_t n = strlen(w), cut;

	if (n < 4 || w[n - 1] != 's' || w[n - 2] == 's' || w[n - 2] == '\'')
		return false;
	for (cut = 1; cut <= 2; cut++) {
		if (cut == 2 && (n < 5 || w[n - 2] != 'e'))
			break;
		memcpy(stem, w, n - cut);
		stem[n - cut] = '\0';
		if (ct_ex_in(ct_ex_nouns, stem) ||
		    ct_ex_in(ct_ex_verbs, stem) || ct_ex_in(ct_ex_kin, stem))
			return true;
	}
	return false;
}

/* True when w is a listed word or the inflection of one. */
static bool ct_ex_common_word(const char *w)
{
	return ct_ex_listed(w) || ct_ex_inflected(w);
}

/* True when the name ending before token j is followed by a clause end. */
static bool ct_ex_name_ends(const struct ct_ex *x, size_t j)
{
	return j >= x->t->n || ct_ex_clause_break(x, j) ||
	       ct_ex_in(ct_ex_after_name, ct_ex_tok(x, j));
}

/* True when w is a word of the feeling lexicon (lines "word<TAB>valence"). */
static bool ct_ex_feeling_word(const char *w)
{
	char needle[CT_TEXT_TOKEN_MAX + 3];
	size_t len, n = strlen(w);
	const char *lex = ct_embedded_get(CT_EX_FEELING_LEXICON, &len);

	if (!lex || n == 0 || n > CT_TEXT_TOKEN_MAX)
		return false;
	if (strncmp(lex, w, n) == 0 && lex[n] == '\t')
		return true;
	needle[0] = '\n';
	memcpy(needle + 1, w, n);
	needle[n + 1] = '\t';
	needle[n + 2] = '\0';
	return strstr(lex, needle) != NULL;
}

/* True when token i can be (part of) a name in the given mode. */
static bool ct_ex_name_word(const struct ct_ex *x, size_t i,
			    enum ct_ex_mode mode)
{
	const char *w = ct_ex_tok(x, i);
	size_t n = strlen(w), k, letters = 0;
	bool cap;

	if (i >= x->t->n || n < 2)
		return false;
	for (k = 0; k < n; k++) {
		unsigned char c = (unsigned char)w[k];

		if (ct_scan_digit((char)c))
			return false;
		if (c == '\'') {
			/* O'Brien, but not "Tendai's" or a contraction. */
			if (k != 1 || w[0] != 'o')
				return false;
		} else {
			letters++;
		}
	}
	if (letters < 2)
		return false;
	cap = ct_ex_capitalized(x, i);
	if (mode == CT_EX_WEAK && ct_ex_lowered(x, i))
		return false;
	if (ct_ex_in(ct_ex_soft_names, w))
		return cap ||
		       (mode == CT_EX_STRONG && ct_ex_name_ends(x, i + 1));
	if (ct_ex_common_word(w) || ct_ex_feeling_word(w))
		return false;
	if (cap)
		return true;
	return !ct_ex_wordlike_suffix(w, mode == CT_EX_WEAK);
}

/*
 * Appends sep and token i as written, in title case unless it has inner
 * capitals ("McDonald").  Returns false, appending nothing, when the name
 * would not fit.
 */
static bool ct_ex_append_word(const struct ct_ex *x, size_t i, char *out,
			      size_t *len, const char *sep)
{
	const char *s = x->text + x->t->v[i].start;
	size_t n = x->t->v[i].end - x->t->v[i].start, k, o = *len;
	size_t sl = strlen(sep);
	bool lo = false, up = false;

	if (o + sl + n + 1 > CT_EXTRACT_NAME_LEN)
		return false;
	for (k = 0; k < n; k++) {
		lo = lo || ct_scan_lower(s[k]);
		up = up || ct_scan_upper(s[k]);
	}
	memcpy(out + o, sep, sl);
	o += sl;
	for (k = 0; k < n; k++) {
		char c = s[k];

		if (!(lo && up)) {
			if (k == 0 && ct_scan_lower(c))
				c = (char)(c - 32);
			else if (k > 0 && ct_scan_upper(c) && s[k - 1] != '\'')
				c = (char)(c + 32);
		}
		out[o++] = c;
	}
	out[o] = '\0';
	*len = o;
	return true;
}

/*
 * Reads a name at token i ("Tendai", "Tendai Moyo", "Mr Moyo",
 * "Mary-Jane"): writes it to out and returns the index just past it, or
 * returns i when there is none.  In the weak mode the name must also end
 * the clause, unless the caller has checked what follows (ends_checked).
 */
static size_t ct_ex_read_name(const struct ct_ex *x, size_t i,
			      enum ct_ex_mode mode, bool ends_checked,
			      char out[CT_EXTRACT_NAME_LEN])
{
	size_t j = i, title = (size_t)-1, first, words = 1, o = 0, k;

	while (j < x->t->n && ct_ex_in(ct_ex_fillers, ct_ex_tok(x, j)))
		j++;
	if (j + 1 < x->t->n && ct_ex_in(ct_ex_titles, ct_ex_tok(x, j)) &&
	    !ct_ex_clause_break(x, j + 1) && ct_ex_name_word(x, j + 1, mode))
		title = j++;
	if (!ct_ex_name_word(x, j, mode))
		return i;
	first = j++;
	while (j < x->t->n && words < 3) {
		bool hyphen =
			ct_ex_gap_len(x, j) == 1 && ct_ex_gap_has(x, j, "-");

		if (!hyphen && ct_ex_clause_break(x, j))
			break;
		if (!ct_ex_name_word(x, j, CT_EX_WEAK))
			break;
		if (!hyphen) {
			/* A surname: capitalized in text with case, else it
			 * must end the clause. */
			if (x->case_info ? !ct_ex_capitalized(x, j)
					 : !ct_ex_name_ends(x, j + 1))
				break;
			words++;
		}
		j++;
	}
	if (mode == CT_EX_WEAK && !ends_checked && !ct_ex_name_ends(x, j))
		return i;
	out[0] = '\0';
	if (title != (size_t)-1)
		(void)ct_ex_append_word(x, title, out, &o, "");
	for (k = first; k < j; k++) {
		bool hyphen = k > first && ct_ex_gap_len(x, k) == 1 &&
			      ct_ex_gap_has(x, k, "-");

		const char *sep = o == 0 ? "" : hyphen ? "-" : " ";

		if (!ct_ex_append_word(x, k, out, &o, sep))
			break; /* cut at a word boundary */
	}
	return out[0] ? j : i;
}

/* True when the tokens at i spell phrase (space-separated lower-case words). */
static bool ct_ex_at(const struct ct_ex *x, size_t i, const char *phrase)
{
	while (*phrase) {
		size_t l = strcspn(phrase, " ");
		const char *w = ct_ex_tok(x, i++);

		if (strlen(w) != l || memcmp(w, phrase, l) != 0)
			return false;
		phrase += l;
		phrase += strspn(phrase, " ");
	}
	return true;
}

/* True when the tokens at i spell one of the phrases, separated by "|". */
static bool ct_ex_at_any(const struct ct_ex *x, size_t i, const char *phrases)
{
	char one[64];

	while (*phrases) {
		size_t l = strcspn(phrases, "|");

		if (l < sizeof(one)) {
			memcpy(one, phrases, l);
			one[l] = '\0';
			if (ct_ex_at(x, i, one))
				return true;
		}
		phrases += l;
		phrases += *phrases == '|';
	}
	return false;
}

/* How a self-introduction pattern must stand. */
#define CT_EX_OPENS 0x1u /* opens a clause (after greetings) */
#define CT_EX_COLON 0x2u /* followed by ":" or "-" ("My name: Tendai") */
#define CT_EX_UNNEGATED 0x4u /* not after "don't", "never", "stop" */
#define CT_EX_EARLY 0x8u /* in the first sentence, or after greetings only */

/* Patterns after which the caller's name follows; the mode says how sure. */
static const struct {
	const char *words;
	enum ct_ex_mode mode;
	unsigned how;
} ct_ex_patterns[] = {
	{ "my name is", CT_EX_STRONG, 0 },
	{ "my name's", CT_EX_STRONG, 0 },
	{ "my names are", CT_EX_STRONG, 0 },
	{ "my names", CT_EX_STRONG, 0 },
	{ "my first name is", CT_EX_STRONG, 0 },
	{ "my full name is", CT_EX_STRONG, 0 },
	{ "my nickname is", CT_EX_STRONG, 0 },
	{ "the name i go by is", CT_EX_STRONG, 0 },
	{ "i go by the name", CT_EX_STRONG, 0 },
	{ "i'm called", CT_EX_STRONG, 0 },
	{ "im called", CT_EX_STRONG, 0 },
	{ "i am called", CT_EX_STRONG, 0 },
	{ "i'm named", CT_EX_STRONG, 0 },
	{ "i am named", CT_EX_STRONG, 0 },
	{ "you're speaking to", CT_EX_STRONG, 0 },
	{ "you're speaking with", CT_EX_STRONG, 0 },
	{ "you are speaking to", CT_EX_STRONG, 0 },
	{ "you are speaking with", CT_EX_STRONG, 0 },
	{ "you're talking to", CT_EX_STRONG, 0 },
	{ "you're talking with", CT_EX_STRONG, 0 },
	{ "you are talking to", CT_EX_STRONG, 0 },
	{ "you are talking with", CT_EX_STRONG, 0 },
	{ "the name is", CT_EX_STRONG, CT_EX_OPENS },
	{ "name's", CT_EX_STRONG, CT_EX_OPENS },
	{ "my name", CT_EX_STRONG, CT_EX_COLON },
	{ "i'm", CT_EX_WEAK, CT_EX_OPENS },
	{ "im", CT_EX_WEAK, CT_EX_OPENS },
	{ "i am", CT_EX_WEAK, CT_EX_OPENS },
	{ "i go by", CT_EX_WEAK, CT_EX_OPENS },
	{ "this is", CT_EX_WEAK, CT_EX_OPENS | CT_EX_EARLY },
	{ "it's me", CT_EX_WEAK, CT_EX_OPENS | CT_EX_EARLY },
	{ "its me", CT_EX_WEAK, CT_EX_OPENS | CT_EX_EARLY },
	{ "it is me", CT_EX_WEAK, CT_EX_OPENS | CT_EX_EARLY },
	{ "it's", CT_EX_WEAK, CT_EX_OPENS | CT_EX_EARLY },
	{ "its", CT_EX_WEAK, CT_EX_OPENS | CT_EX_EARLY },
	{ "it is", CT_EX_WEAK, CT_EX_OPENS | CT_EX_EARLY },
	{ "call me", CT_EX_WEAK, CT_EX_UNNEGATED },
	{ "calling me", CT_EX_WEAK, CT_EX_UNNEGATED },
	{ "to be called", CT_EX_WEAK, CT_EX_UNNEGATED },
	{ "refer to me as", CT_EX_WEAK, CT_EX_UNNEGATED },
	{ "address me as", CT_EX_WEAK, CT_EX_UNNEGATED },
};

/* Number of words in a phrase. */
static size_t ct_ex_words(const char *phrase)
{
	size_t n = 1;

	for (; *phrase; phrase++)
		n += *phrase == ' ';
	return n;
}

/*
 * True when the words before token i in its clause report or question
 * rather than state ("do you think my name is Jeff", "if I go by bus").
 */
static bool ct_ex_reported(const struct ct_ex *x, size_t i)
{
	static const char reporting[] =
		" think thinks thought know knows remember believe guess if"
		" whether wonder suppose forgot ";
	size_t steps;

	for (steps = 0; i > 0 && steps < 6; steps++) {
		if (ct_ex_clause_break(x, i))
			break;
		if (ct_ex_in(reporting, ct_ex_tok(x, --i)))
			return true;
	}
	return false;
}

/*
 * True when token i is in the first sentence of the text, or only
 * greetings come before it: introductions open a turn ("Hello? Hi, this is
 * Tendai"), while "this is X" later on is mostly about something else.
 */
static bool ct_ex_early(const struct ct_ex *x, size_t i)
{
	size_t k;

	for (k = 1; k <= i; k++)
		if (ct_ex_sentence_start(x, k))
			break;
	if (k > i)
		return true;
	for (k = 0; k < i; k++)
		if (!ct_ex_in(ct_ex_openers, ct_ex_tok(x, k)) &&
		    !ct_ex_in(ct_ex_fillers, ct_ex_tok(x, k)))
			return false;
	return true;
}

/* Name read after the pattern that matches at token i, if any. */
static bool ct_ex_pattern_name(const struct ct_ex *x, size_t i,
			       char out[CT_EXTRACT_NAME_LEN])
{
	size_t k, m;

	for (k = 0; k < sizeof(ct_ex_patterns) / sizeof(ct_ex_patterns[0]);
	     k++) {
		unsigned how = ct_ex_patterns[k].how;

		if (!ct_ex_at(x, i, ct_ex_patterns[k].words))
			continue;
		/* The first match decides: "my name is" over "my name". */
		m = i + ct_ex_words(ct_ex_patterns[k].words);
		if ((how & CT_EX_OPENS) && !ct_ex_clause_start(x, i))
			return false;
		if ((how & CT_EX_EARLY) && !ct_ex_early(x, i))
			return false;
		if ((how & CT_EX_COLON) && !ct_ex_gap_has(x, m, ":-"))
			return false;
		if ((how & CT_EX_UNNEGATED) && i > 0 &&
		    ct_ex_in(" don't dont not never stop no ",
			     ct_ex_tok(x, i - 1)))
			return false;
		if (ct_ex_reported(x, i))
			return false;
		return ct_ex_read_name(x, m, ct_ex_patterns[k].mode, false,
				       out) > m;
	}
	return false;
}

/*
 * True when a name ends just before token i and is followed by "here",
 * "speaking" or "is my name", opening a clause ("Rudo here", "Tendai
 * speaking", "this is Tendai speaking", "John is my name").
 */
static bool ct_ex_name_before(const struct ct_ex *x, size_t i,
			      char out[CT_EXTRACT_NAME_LEN])
{
	size_t s, after;

	if (ct_ex_in(" here speaking ", ct_ex_tok(x, i)))
		after = i + 1;
	else if (ct_ex_at(x, i, "is my name"))
		after = i + 3;
	else
		return false;
	if (i == 0 || ct_ex_clause_break(x, i) || !ct_ex_name_ends(x, after))
		return false;
	for (s = i; s-- > 0 && i - s <= 3;) {
		bool opens = ct_ex_clause_start(x, s) ||
			     (s >= 2 && ct_ex_at(x, s - 2, "this is"));

		if (opens && ct_ex_early(x, s) &&
		    ct_ex_read_name(x, s, CT_EX_WEAK, true, out) == i)
			return true;
		if (ct_ex_clause_break(x, s))
			break;
	}
	return false;
}

/* Words that may follow a bare name given as an answer. */
static const char ct_ex_closing_words[] =
	" thanks thank you please sir madam ma'am ";

/*
 * Finds the name the caller gives for themself in x; the last one wins.
 * asked_name makes a bare answer ("Tendai Moyo.") count.
 */
static void ct_ex_find_name(const struct ct_ex *x, bool asked_name,
			    char out[CT_EXTRACT_NAME_LEN])
{
	char cand[CT_EXTRACT_NAME_LEN];
	size_t i, k, n = x->t->n;

	out[0] = '\0';
	for (i = 0; i < n; i++)
		if (ct_ex_pattern_name(x, i, cand) ||
		    ct_ex_name_before(x, i, cand))
			memcpy(out, cand, sizeof(cand));
	if (out[0] != '\0' || !asked_name)
		return;
	/* A bare answer to "what is your name?": "Yes, Tendai Moyo." */
	for (i = 0; i < n && (ct_ex_in(ct_ex_openers, ct_ex_tok(x, i)) ||
			      ct_ex_in(ct_ex_fillers, ct_ex_tok(x, i)) ||
			      ct_ex_in(" it's its it is ", ct_ex_tok(x, i)));
	     i++)
		;
	k = ct_ex_read_name(x, i, CT_EX_STRONG, false, cand);
	if (k > i) {
		while (k < n && ct_ex_in(ct_ex_closing_words, ct_ex_tok(x, k)))
			k++;
		if (k == n)
			memcpy(out, cand, sizeof(cand));
	}
}

/* ---------------------------------------------------------------------- */
/* Phone numbers. */

/* The country calling codes of ITU-T E.164 (geographic ones). */
static const char ct_ex_country_codes[] =
	" 1 7 20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52"
	" 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94"
	" 95 98 211 212 213 216 218 220 221 222 223 224 225 226 227 228 229"
	" 230 231 232 233 234 235 236 237 238 239 240 241 242 243 244 245"
	" 246 247 248 249 250 251 252 253 254 255 256 257 258 260 261 262"
	" 263 264 265 266 267 268 269 290 291 297 298 299 350 351 352 353"
	" 354 355 356 357 358 359 370 371 372 373 374 375 376 377 378 379"
	" 380 381 382 383 385 386 387 389 420 421 423 500 501 502 503 504"
	" 505 506 507 508 509 590 591 592 593 594 595 596 597 598 599 670"
	" 672 673 674 675 676 677 678 679 680 681 682 683 685 686 687 688"
	" 689 690 691 692 850 852 853 855 856 880 886 960 961 962 963 964"
	" 965 966 967 968 970 971 972 973 974 975 976 977 992 993 994 995"
	" 996 998 ";

/*
 * Lengths of the national significant number where they are known: the
 * region first, then large senders of callers.  Other codes only need
 * 8..15 digits in all.
 */
static const struct {
	const char *cc;
	unsigned char min, max;
} ct_ex_nsn_lengths[] = {
	{ "263", 7, 9 }, /* Zimbabwe: mobile 9, old fixed lines 7-8 */
	{ "27", 9, 9 }, /* South Africa */
	{ "260", 9, 9 }, /* Zambia */
	{ "267", 7, 8 }, /* Botswana */
	{ "258", 8, 9 }, /* Mozambique */
	{ "265", 7, 9 }, /* Malawi */
	{ "264", 8, 9 }, /* Namibia */
	{ "266", 8, 8 }, /* Lesotho */
	{ "268", 8, 8 }, /* Eswatini */
	{ "254", 9, 10 }, /* Kenya */
	{ "255", 9, 9 }, /* Tanzania */
	{ "256", 9, 9 }, /* Uganda */
	{ "250", 9, 9 }, /* Rwanda */
	{ "243", 9, 9 }, /* DR Congo */
	{ "244", 9, 9 }, /* Angola */
	{ "233", 9, 9 }, /* Ghana */
	{ "234", 8, 10 }, /* Nigeria */
	{ "1", 10, 10 }, /* NANP */
	{ "44", 9, 10 }, /* United Kingdom */
	{ "353", 7, 9 }, /* Ireland */
	{ "61", 9, 9 }, /* Australia */
	{ "64", 8, 10 }, /* New Zealand */
	{ "91", 10, 10 }, /* India */
	{ "86", 10, 11 }, /* China */
	{ "971", 8, 9 }, /* United Arab Emirates */
};

/* Length of the country code that digits start with, or 0. */
static size_t ct_ex_cc_len(const char *digits)
{
	char cc[4];
	size_t k;

	for (k = 1; k <= 3 && digits[k - 1]; k++) {
		memcpy(cc, digits, k);
		cc[k] = '\0';
		if (ct_ex_in(ct_ex_country_codes, cc))
			return k;
	}
	return 0;
}

/* True when default_cc is NULL, "" or 1..3 digits not starting with 0. */
static bool ct_ex_cc_valid(const char *default_cc)
{
	size_t k;

	if (!default_cc || !*default_cc)
		return true;
	for (k = 0; default_cc[k]; k++)
		if (k >= 3 || !ct_scan_digit(default_cc[k]))
			return false;
	return default_cc[0] != '0';
}

/* True when nsn (n digits) has a plausible length for country code cc. */
static bool ct_ex_nsn_ok(const char *cc, size_t cclen, size_t n)
{
	size_t k;

	for (k = 0;
	     k < sizeof(ct_ex_nsn_lengths) / sizeof(ct_ex_nsn_lengths[0]);
	     k++) {
		const char *e = ct_ex_nsn_lengths[k].cc;

		if (strlen(e) == cclen && memcmp(e, cc, cclen) == 0)
			return n >= ct_ex_nsn_lengths[k].min &&
			       n <= ct_ex_nsn_lengths[k].max;
	}
	return cclen + n >= 8 && cclen + n <= 15 && n >= 4;
}

#define CT_EX_GROUPS_MAX 16

/* The digits of a written phone number and how they were grouped. */
struct ct_ex_digits {
	char d[40]; /* the digits, NUL-terminated */
	size_t nd;
	size_t ng; /* groups of digits, their lengths, what precedes each */
	size_t glen[CT_EX_GROUPS_MAX];
	char sep[CT_EX_GROUPS_MAX]; /* '-', '.' or ' ' */
	bool plus; /* written with a leading "+" */
};

/*
 * Reads raw into pd: digits, groups and separators (spaces, "-", ".", at
 * most 3 in a row), balanced parentheses, a leading "+" or "(+".  A "(0)"
 * after the country code ("+263 (0)77 ...") is dropped.  Returns 0, or -1
 * for anything else.
 */
static int ct_ex_phone_digits(const char *raw, size_t len,
			      struct ct_ex_digits *pd)
{
	size_t i = 0, seplen = 0, gstart = 0;
	size_t zero_paren = (size_t)-1; /* digit index of a "(0)" group */
	bool open = false, in_group = false;
	char cursep = ' ';

	memset(pd, 0, sizeof(*pd));
	while (len > 0 && raw[len - 1] == ' ')
		len--;
	while (i < len && raw[i] == ' ')
		i++;
	if (i + 1 < len && raw[i] == '(' && raw[i + 1] == '+') {
		open = true;
		i++;
	}
	if (i < len && raw[i] == '+') {
		pd->plus = true;
		i++;
	}
	for (; i < len; i++) {
		char c = raw[i];

		if (ct_scan_digit(c)) {
			if (pd->nd >= sizeof(pd->d) - 1)
				return -1;
			if (!in_group) {
				if (pd->ng == CT_EX_GROUPS_MAX)
					return -1;
				pd->sep[pd->ng++] = cursep;
				gstart = pd->nd;
				in_group = true;
				seplen = 0;
				cursep = ' ';
			}
			pd->d[pd->nd++] = c;
			pd->glen[pd->ng - 1]++;
			continue;
		}
		if (in_group && c == ')' && open && pd->glen[pd->ng - 1] == 1 &&
		    pd->d[gstart] == '0' && gstart > 0)
			zero_paren = gstart;
		in_group = false;
		if (c == '(' && !open) {
			open = true;
		} else if (c == ')' && open && pd->ng > 0) {
			open = false;
		} else if (c == '-' || c == '.') {
			cursep = c;
		} else if (c != ' ') {
			return -1;
		}
		if (++seplen > 3)
			return -1;
	}
	if (open || pd->nd == 0)
		return -1;
	if (zero_paren != (size_t)-1) {
		memmove(pd->d + zero_paren, pd->d + zero_paren + 1,
			pd->nd - zero_paren);
		pd->nd--;
	}
	pd->d[pd->nd] = '\0';
	return 0;
}

/* True when the groups look like a date ("05-01-2024") or a decimal. */
static bool ct_ex_date_or_decimal(const struct ct_ex_digits *pd)
{
	const size_t *g = pd->glen;

	if (pd->ng == 3 && pd->sep[1] == pd->sep[2] &&
	    (pd->sep[1] == '-' || pd->sep[1] == '.') &&
	    ((g[0] <= 2 && g[1] <= 2 && (g[2] == 2 || g[2] == 4)) ||
	     (g[0] == 4 && g[1] <= 2 && g[2] <= 2)))
		return true;
	return pd->ng >= 2 && pd->sep[pd->ng - 1] == '.' && g[pd->ng - 1] <= 2;
}

int ct_extract_phone_normalize(const char *raw, size_t len,
			       const char *default_cc,
			       char out[CT_EXTRACT_PHONE_LEN])
{
	struct ct_ex_digits pd;
	char cc[4];
	const char *p;
	size_t cclen, nsn;

	if (!raw || !ct_ex_cc_valid(default_cc) ||
	    ct_ex_phone_digits(raw, len, &pd) < 0 || ct_ex_date_or_decimal(&pd))
		return -1;
	/* The country code: the default before a trunk 0, else written. */
	if (pd.d[0] == '0' && pd.d[1] != '0' && !pd.plus) {
		if (!default_cc || !*default_cc)
			return -1;
		cclen = strlen(default_cc);
		memcpy(cc, default_cc, cclen);
		p = pd.d + 1;
	} else {
		if (pd.plus)
			p = pd.d;
		else if (pd.d[0] == '0')
			p = pd.d + 2; /* "00" international prefix */
		else if (default_cc && *default_cc &&
			 strncmp(pd.d, default_cc, strlen(default_cc)) == 0 &&
			 ct_ex_nsn_ok(default_cc, strlen(default_cc),
				      pd.nd - strlen(default_cc)))
			p = pd.d;
		else
			return -1;
		cclen = ct_ex_cc_len(p);
		if (cclen == 0)
			return -1;
		memcpy(cc, p, cclen);
		p += cclen;
		/* "+263 0771234567": the trunk 0 again (Italy keeps its 0). */
		if (*p == '0' && !(cclen == 2 && memcmp(cc, "39", 2) == 0))
			p++;
	}
	cc[cclen] = '\0';
	nsn = strlen(p);
	if ((*p == '0' && strcmp(cc, "39") != 0) ||
	    !ct_ex_nsn_ok(cc, cclen, nsn) || cclen + nsn < 8 ||
	    cclen + nsn > 15)
		return -1;
	out[0] = '+';
	memcpy(out + 1, cc, cclen);
	memcpy(out + 1 + cclen, p, nsn + 1);
	return 0;
}

/* Nouns after which a number is not a phone ("account number 0123456789"). */
static const char ct_ex_not_phone_nouns[] =
	" account acc acct card id reference ref meter customer policy"
	" transaction receipt invoice membership passport pin otp code"
	" token voucher serial tracking order loan iban swift routing"
	" amount balance total sum price cost ";

/* Words between "my" and a contact noun ("my new cell number"). */
static const char ct_ex_contact_mods[] =
	" phone mobile cell cellphone contact whatsapp ecocash onemoney"
	" telecash registered home work office new old other second"
	" personal private own best main usual current e ";

/* Index of the first token that starts at or after byte pos. */
static size_t ct_ex_tok_at(const struct ct_ex *x, size_t pos)
{
	return ct_scan_tok_at(x->t, pos);
}

/*
 * Whose is a contact noun at token b ("number" in "my new number"): SELF
 * after "my" (through modifiers), OTHER after "your", a kin word or a
 * possessive, else NONE.
 */
static enum ct_extract_owner ct_ex_contact_owner(const struct ct_ex *x,
						 size_t b)
{
	while (b > 0 && !ct_ex_clause_break(x, b) &&
	       ct_ex_in(ct_ex_contact_mods, ct_ex_tok(x, b - 1)))
		b--;
	if (b == 0 || ct_ex_sentence_start(x, b))
		return CT_EXTRACT_OWNER_NONE;
	b--;
	if (strcmp(ct_ex_tok(x, b), "my") == 0)
		return CT_EXTRACT_OWNER_SELF;
	if (strcmp(ct_ex_tok(x, b), "your") == 0 ||
	    ct_ex_in(ct_ex_kin, ct_ex_tok(x, b)))
		return CT_EXTRACT_OWNER_OTHER;
	return CT_EXTRACT_OWNER_NONE;
}

/* True when token w is a possessive ("Tendai's", "brother's"), not "it's". */
static bool ct_ex_possessive(const char *w)
{
	size_t n = strlen(w);

	return n > 2 && strcmp(w + n - 2, "'s") == 0 &&
	       !ct_ex_in(ct_ex_closed, w);
}

/* The owner that token b signals for a contact mentioned after it. */
static enum ct_extract_owner ct_ex_cue(const struct ct_ex *x, size_t b)
{
	const char *w = ct_ex_tok(x, b);
	char base[CT_TEXT_TOKEN_MAX + 1];
	size_t n = strlen(w);

	if (ct_ex_possessive(w)) {
		/* "my number's 077...": "is", not a possessive. */
		memcpy(base, w, n - 2);
		base[n - 2] = '\0';
		if (ct_ex_in(ct_ex_contact_nouns, base))
			return ct_ex_contact_owner(x, b);
		if (strcmp(base, "name") == 0)
			return CT_EXTRACT_OWNER_NONE;
		return CT_EXTRACT_OWNER_OTHER;
	}
	if (ct_ex_in(ct_ex_kin, w) || ct_ex_in(ct_ex_other_cues, w))
		return CT_EXTRACT_OWNER_OTHER;
	if (ct_ex_in(" me mine myself reached reachable ", w))
		return CT_EXTRACT_OWNER_SELF;
	if ((strcmp(w, "i'm") == 0 || strcmp(w, "im") == 0 ||
	     ct_ex_at(x, b, "i am")) &&
	    ct_ex_in(" on at ", ct_ex_tok(x, b + (w[1] == '\0' ? 2 : 1))))
		return CT_EXTRACT_OWNER_SELF;
	if (ct_ex_in(ct_ex_contact_nouns, w))
		return ct_ex_contact_owner(x, b);
	return CT_EXTRACT_OWNER_NONE;
}

/*
 * Owner of a contact whose tokens are first..last: the nearest cue before
 * it in its sentence (8 tokens at most), else a cue just after it ("...
 * is my number", "... is my wife's").
 */
static enum ct_extract_owner ct_ex_owner(const struct ct_ex *x, size_t first,
					 size_t last)
{
	enum ct_extract_owner o;
	size_t b = first, a, steps;

	for (steps = 0; b > 0 && steps < 8 && !ct_ex_sentence_start(x, b);
	     steps++) {
		b--;
		o = ct_ex_cue(x, b);
		if (o != CT_EXTRACT_OWNER_NONE)
			return o;
	}
	for (a = last + 1, steps = 0;
	     a < x->t->n && steps < 5 && !ct_ex_sentence_start(x, a);
	     a++, steps++) {
		const char *w = ct_ex_tok(x, a);

		if (strcmp(w, "mine") == 0)
			return CT_EXTRACT_OWNER_SELF;
		if (ct_ex_possessive(w) || ct_ex_in(ct_ex_kin, w) ||
		    ct_ex_in(" his her their him them someone somebody ", w))
			return CT_EXTRACT_OWNER_OTHER;
		if (ct_ex_in(ct_ex_contact_nouns, w) &&
		    ct_ex_contact_owner(x, a) != CT_EXTRACT_OWNER_NONE)
			return ct_ex_contact_owner(x, a);
	}
	return CT_EXTRACT_OWNER_NONE;
}

static void ct_ex_add_email(const struct ct_ex *x,
			    struct ct_extract_utterance *out, const char *addr,
			    size_t n, size_t first, size_t last);

/* True when a noun just before token first says the number is no phone. */
static bool ct_ex_not_phone(const struct ct_ex *x, size_t first)
{
	size_t b = first, steps;

	for (steps = 0; b > 0 && steps < 4 && !ct_ex_sentence_start(x, b);
	     steps++) {
		const char *w = ct_ex_tok(x, --b);

		if (ct_ex_in(ct_ex_not_phone_nouns, w))
			return true;
		if (ct_ex_in(ct_ex_contact_nouns, w) &&
		    strcmp(w, "number") != 0 && strcmp(w, "no") != 0)
			return false;
	}
	return false;
}

/* Inserts a phone in order of mention (at token first); pos: positions. */
static void ct_ex_insert_phone(struct ct_extract_utterance *out, size_t *pos,
			       const char *e164, enum ct_extract_owner owner,
			       size_t first)
{
	size_t k, at;

	for (k = 0; k < out->n_phones; k++)
		if (strcmp(out->phones[k].e164, e164) == 0)
			return;
	if (out->n_phones == CT_EXTRACT_ITEMS_MAX)
		return;
	for (at = out->n_phones; at > 0 && pos[at - 1] > first; at--) {
		out->phones[at] = out->phones[at - 1];
		pos[at] = pos[at - 1];
	}
	ct_ex_copy(out->phones[at].e164, sizeof(out->phones[at].e164), e164,
		   strlen(e164));
	out->phones[at].owner = owner;
	pos[at] = first;
	out->n_phones++;
}

/* Adds a phone found at tokens first..last unless a noun says it is none. */
static void ct_ex_add_phone(const struct ct_ex *x,
			    struct ct_extract_utterance *out, size_t *pos,
			    const char *e164, size_t first, size_t last)
{
	if (!ct_ex_not_phone(x, first))
		ct_ex_insert_phone(out, pos, e164, ct_ex_owner(x, first, last),
				   first);
}

/*
 * Placeholders of redacted text (convtrack/redact.h): stored messages say
 * "[CARD]", "[PIN]", "[PHONE:3f2a...]" where the caller gave a value.  A
 * phone or email placeholder with a hash is that contact's mention (the
 * hash stands for the number); the others are credentials given.
 */
static const char ct_ex_secret_placeholders[] =
	" CARD PIN CVV OTP PASSWORD ACCOUNT ID_NUMBER IBAN ";

/* Hex digits of a hash in a placeholder (CT_REDACT_HASH_HEX). */
#define CT_EX_HASH_HEX 16

/*
 * The placeholder that starts at byte i of text, if any: its name (at most
 * 15 bytes) in name and its hash ("" when none) in hash.  Returns the byte
 * just past it, or i when there is none.
 */
static size_t ct_ex_placeholder_at(const char *s, size_t len, size_t i,
				   char name[16], char hash[CT_EX_HASH_HEX + 1])
{
	size_t k = i + 1, n = 0;

	name[0] = hash[0] = '\0';
	if (i >= len || s[i] != '[')
		return i;
	while (k < len && n < 15 && ((s[k] >= 'A' && s[k] <= 'Z') || s[k] == '_'))
		name[n++] = s[k++];
	name[n] = '\0';
	if (n < 3 || k >= len)
		return i;
	if (s[k] == ']')
		return k + 1;
	if (s[k] != ':' || k + CT_EX_HASH_HEX + 2 > len ||
	    s[k + CT_EX_HASH_HEX + 1] != ']')
		return i;
	for (n = 0; n < CT_EX_HASH_HEX; n++) {
		char h = s[k + 1 + n];

		if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f')))
			return i;
		hash[n] = h;
	}
	hash[n] = '\0';
	return k + CT_EX_HASH_HEX + 2;
}

/* True when token i starts a credential placeholder ("[PIN]"). */
static bool ct_ex_secret_at(const struct ct_ex *x, size_t i)
{
	char name[16], hash[CT_EX_HASH_HEX + 1];
	size_t a;

	if (i >= x->t->n || x->t->v[i].start == 0)
		return false;
	a = x->t->v[i].start - 1;
	if (ct_ex_placeholder_at(x->text, x->len, a, name, hash) == a)
		return false;
	return ct_ex_in(ct_ex_secret_placeholders, name);
}

/* Number of credential placeholders in the text. */
static size_t ct_ex_count_secrets(const struct ct_ex *x)
{
	size_t i, n = 0;

	for (i = 0; i < x->t->n; i++)
		n += ct_ex_secret_at(x, i);
	return n;
}

/*
 * Finds the hashed phone and email placeholders: their hash is recorded
 * as the contact (ct_extract_utterance), with the owner its words give.
 */
static void ct_ex_find_placeholders(const struct ct_ex *x,
				    struct ct_extract_utterance *out,
				    size_t *pos)
{
	char name[16], hash[CT_EX_HASH_HEX + 1];
	size_t i, e, first, last;

	for (i = 0; i < x->len; i++) {
		if (x->text[i] != '[')
			continue;
		e = ct_ex_placeholder_at(x->text, x->len, i, name, hash);
		if (e == i || !hash[0])
			continue;
		first = ct_ex_tok_at(x, i);
		last = ct_ex_tok_at(x, e);
		last = last > first ? last - 1 : first;
		if (strcmp(name, "PHONE") == 0)
			ct_ex_add_phone(x, out, pos, hash, first, last);
		else if (strcmp(name, "EMAIL") == 0)
			ct_ex_add_email(x, out, hash, CT_EX_HASH_HEX, first, last);
		i = e - 1;
	}
}

/* True when token w is a currency or unit word (ct_ex_currency). */
static bool ct_ex_currency_word(const char *w)
{
	return ct_ex_in(ct_ex_currency, w);
}

/* True when a currency symbol or word comes just before byte a ("USD 50"). */
static bool ct_ex_amount_before(const struct ct_ex *x, size_t a)
{
	return ct_scan_amount_before(x->text, x->t, a, ct_ex_currency_word);
}

/* True when a unit follows byte b ("50 dollars", "10 %", "5 pm"). */
static bool ct_ex_amount_after(const struct ct_ex *x, size_t b)
{
	return ct_scan_amount_after(x->text, x->len, x->t, b,
				    ct_ex_currency_word);
}

/* True when the byte before a run glues it to a word, time or amount. */
static bool ct_ex_bad_left(const struct ct_ex *x, const struct ct_scan_run *r)
{
	const char *s = x->text;
	size_t ps = r->ps[0];
	char c;

	if (ps == 0)
		return false;
	c = s[ps - 1];
	if (ct_scan_alnum(c) || strchr("_*#@$'", c))
		return true;
	if (strchr(":,./", c) && ps >= 2 && ct_scan_digit(s[ps - 2]))
		return c != '/' || r->ge[0] - r->gs[0] <= 4;
	return false;
}

/* The same after the run's last group. */
static bool ct_ex_bad_right(const struct ct_ex *x, const struct ct_scan_run *r)
{
	const char *s = x->text;
	size_t pe = r->pe[r->ng - 1];
	char c;

	if (pe >= x->len)
		return false;
	c = s[pe];
	if (ct_scan_alnum(c) || strchr("_*#@%", c))
		return true;
	if (strchr(":,./", c) && pe + 1 < x->len && ct_scan_digit(s[pe + 1]))
		return c != '/' || r->ge[r->ng - 1] - r->gs[r->ng - 1] <= 4;
	return false;
}

/*
 * Splits groups g0..g1-1 of a run, left to right, into the longest spans
 * that normalize, and adds them ("send 50 0771234567" gives one phone).
 */
static void ct_ex_split_run(const struct ct_ex *x, const struct ct_scan_run *r,
			    size_t g0, size_t g1, const char *default_cc,
			    struct ct_extract_utterance *out, size_t *pos)
{
	while (g0 < g1) {
		char e164[CT_EXTRACT_PHONE_LEN];
		size_t j, a = r->ps[g0];

		for (j = g1; j > g0; j--)
			if (ct_extract_phone_normalize(x->text + a,
						       r->pe[j - 1] - a,
						       default_cc, e164) == 0)
				break;
		if (j == g0) {
			g0++;
			continue;
		}
		ct_ex_add_phone(x, out, pos, e164, ct_ex_tok_at(x, r->gs[g0]),
				ct_ex_tok_at(x, r->ge[j - 1]) - 1);
		g0 = j;
	}
}

/* Finds the phone numbers written with digits. */
static void ct_ex_find_digit_phones(const struct ct_ex *x,
				    const char *default_cc,
				    struct ct_extract_utterance *out,
				    size_t *pos)
{
	struct ct_scan_run r;
	size_t i = 0, g0, g1;

	while (i < x->len) {
		if (!ct_scan_digit(x->text[i])) {
			i++;
			continue;
		}
		i = ct_scan_read_run(x->text, x->len, i, &r);
		if (ct_scan_card_like(&r, 16)) /* 16+ digits in one group */
			continue;
		g0 = 0;
		g1 = r.ng;
		if (ct_ex_bad_left(x, &r) || ct_ex_amount_before(x, r.ps[0]))
			g0++;
		if (ct_ex_bad_right(x, &r) ||
		    ct_ex_amount_after(x, r.pe[r.ng - 1]))
			g1--;
		ct_ex_split_run(x, &r, g0, g1, default_cc, out, pos);
	}
}

/* The digit that token i spells ("seven", "oh" before digits), or -1. */
static int ct_ex_digit_word(const struct ct_ex *x, size_t i, bool in_run)
{
	return ct_scan_digit_word(x->t, i, in_run, false); /* no "nought" */
}

/*
 * Finds phone numbers spoken in words, as some speech recognizers write
 * them: "zero seven seven one two three ...", "double seven", "plus two six
 * three ...".  Commas and hyphens between the words are allowed.
 */
static void ct_ex_find_spoken_phones(const struct ct_ex *x,
				     const char *default_cc,
				     struct ct_extract_utterance *out,
				     size_t *pos)
{
	size_t i = 0, n = x->t->n;

	while (i < n) {
		char digits[24], e164[CT_EXTRACT_PHONE_LEN];
		size_t j = i, nd = 0, first = i;
		bool plus = false;
		int rc = -1;

		if (strcmp(ct_ex_tok(x, i), "plus") == 0 &&
		    ct_ex_digit_word(x, i + 1, true) > 0) {
			plus = true;
			digits[nd++] = '+';
			j++;
		}
		while (j < n && nd < sizeof(digits) - 4) {
			int rep = 1, dg;
			size_t step = 1;

			if (j > first && ct_ex_gap_has(x, j, ".!?;:\n"))
				break;
			if (strcmp(ct_ex_tok(x, j), "double") == 0)
				rep = 2;
			else if (strcmp(ct_ex_tok(x, j), "triple") == 0)
				rep = 3;
			if (rep > 1)
				step = 2;
			dg = ct_ex_digit_word(x, j + step - 1,
					      nd > (size_t)plus);
			if (dg < 0)
				break;
			while (rep-- > 0)
				digits[nd++] = (char)('0' + dg);
			j += step;
		}
		if (nd - plus >= 8)
			rc = ct_extract_phone_normalize(digits, nd, default_cc,
							e164);
		if (rc == 0) {
			ct_ex_add_phone(x, out, pos, e164, first, j - 1);
			i = j;
		} else {
			i = j > i ? j : i + 1;
		}
	}
}

/* ---------------------------------------------------------------------- */
/* Email addresses. */

/* Adds addr (n bytes, at tokens first..last), lower-cased, once. */
static void ct_ex_add_email(const struct ct_ex *x,
			    struct ct_extract_utterance *out, const char *addr,
			    size_t n, size_t first, size_t last)
{
	char low[CT_EXTRACT_EMAIL_LEN];
	size_t k;

	if (n == 0 || n >= sizeof(low))
		return;
	for (k = 0; k < n; k++)
		low[k] = ct_scan_to_lower(addr[k]);
	low[n] = '\0';
	for (k = 0; k < out->n_emails; k++)
		if (strcmp(out->emails[k].addr, low) == 0)
			return;
	if (out->n_emails == CT_EXTRACT_ITEMS_MAX)
		return;
	memcpy(out->emails[k].addr, low, n + 1);
	out->emails[k].owner = ct_ex_owner(x, first, last);
	out->n_emails++;
}

/* Finds written addresses: "tendai.moyo@gmail.com". */
static void ct_ex_find_written_emails(const struct ct_ex *x,
				      struct ct_extract_utterance *out)
{
	const char *s = x->text;
	size_t i, l, r;

	for (i = 0; i < x->len; i++) {
		/* At most 254 bytes, as RFC 5321 allows. */
		if (!ct_scan_email_at(s, x->len, i, 254, &l, &r))
			continue;
		ct_ex_add_email(x, out, s + l, r - l, ct_ex_tok_at(x, l),
				ct_ex_tok_at(x, r) - 1);
	}
}

/* True when token i is a bare letters-and-digits word (an address part). */
static bool ct_ex_addr_part(const struct ct_ex *x, size_t i)
{
	const char *w = ct_ex_tok(x, i);

	if (i >= x->t->n || !*w)
		return false;
	for (; *w; w++)
		if (!ct_scan_alnum(*w))
			return false;
	return true;
}

/* The separator that joins token i to token i - 1 in a spoken address, or 0. */
static char ct_ex_addr_joint(const struct ct_ex *x, size_t i, bool dot_only)
{
	size_t a = x->t->v[i - 1].end, b = x->t->v[i].start;

	if (b - a == 1 &&
	    (x->text[a] == '.' ||
	     (!dot_only && (x->text[a] == '_' || x->text[a] == '-'))))
		return x->text[a];
	return 0;
}

/* Words that announce an email address. */
static const char ct_ex_email_cues[] =
	" email emails gmail yahoo hotmail outlook ";

/*
 * Finds addresses spoken in words after an email cue: "tendai dot moyo at
 * gmail dot com", "tendai.moyo at gmail.com".
 */
static void ct_ex_find_spoken_emails(const struct ct_ex *x, bool asked_email,
				     struct ct_extract_utterance *out)
{
	size_t i, n = x->t->n;
	bool cue = asked_email;

	for (i = 0; i < n && !cue; i++)
		cue = ct_ex_in(ct_ex_email_cues, ct_ex_tok(x, i)) ||
		      ct_ex_at(x, i, "e mail");
	if (!cue)
		return;
	for (i = 1; i + 1 < n; i++) {
		char addr[CT_EXTRACT_EMAIL_LEN];
		size_t first = i - 1, j = i + 1, o = 0, parts = 1, labels = 1,
		       lastdom;
		size_t len;

		if (strcmp(ct_ex_tok(x, i), "at") != 0 ||
		    !ct_ex_addr_part(x, i - 1) || !ct_ex_addr_part(x, i + 1) ||
		    ct_ex_common_word(ct_ex_tok(x, i - 1)))
			continue;
		/* Local part, backwards: "tendai dot moyo", "tendai_moyo". */
		while (parts < 6) {
			char sep = first > 0 ? ct_ex_addr_joint(x, first, false)
					     : 0;

			if (sep && ct_ex_addr_part(x, first - 1)) {
				first--;
			} else if (first >= 2 &&
				   ct_ex_addr_part(x, first - 2) &&
				   ct_ex_in(" dot underscore dash hyphen ",
					    ct_ex_tok(x, first - 1))) {
				first -= 2;
			} else {
				break;
			}
			parts++;
		}
		/* Domain, forwards: "gmail dot com", "gmail.co.zw". */
		lastdom = j;
		while (labels < 5) {
			if (lastdom + 1 < n &&
			    ct_ex_addr_joint(x, lastdom + 1, true) &&
			    ct_ex_addr_part(x, lastdom + 1)) {
				lastdom++;
			} else if (lastdom + 2 < n &&
				   strcmp(ct_ex_tok(x, lastdom + 1), "dot") ==
					   0 &&
				   ct_ex_addr_part(x, lastdom + 2)) {
				lastdom += 2;
			} else {
				break;
			}
			labels++;
		}
		if (labels < 2 || !ct_ex_in(ct_ex_tlds, ct_ex_tok(x, lastdom)))
			continue;
		/* Spell it out. */
		for (j = first;
		     j <= lastdom && o + CT_TEXT_TOKEN_MAX + 2 < sizeof(addr);
		     j++) {
			const char *w = ct_ex_tok(x, j);

			if (j == i) {
				addr[o++] = '@';
				continue;
			}
			if (j > first && j != i + 1 &&
			    ct_ex_addr_joint(x, j, false))
				addr[o++] = ct_ex_addr_joint(x, j, false);
			if (strcmp(w, "dot") == 0)
				addr[o++] = '.';
			else if (strcmp(w, "underscore") == 0 && j < i)
				addr[o++] = '_';
			else if (ct_ex_in(" dash hyphen ", w) && j < i)
				addr[o++] = '-';
			else {
				len = strlen(w);
				memcpy(addr + o, w, len);
				o += len;
			}
		}
		if (j <= lastdom)
			continue;
		ct_ex_add_email(x, out, addr, o, first, lastdom);
		i = lastdom;
	}
}

/* ---------------------------------------------------------------------- */
/* Authentication attempts. */

/* True when a Zimbabwean national ID ("63-123456 A 12") is in the text. */
static bool ct_ex_has_national_id(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i + 10 <= len; i++) {
		size_t k = i, d;

		if (i > 0 && ct_scan_alnum(s[i - 1]))
			continue;
		if (!ct_scan_digit(s[k]) || !ct_scan_digit(s[k + 1]))
			continue;
		k += 2;
		if (k < len && (s[k] == '-' || s[k] == ' '))
			k++;
		for (d = 0; k < len && ct_scan_digit(s[k]); d++)
			k++;
		if (d < 6 || d > 7)
			continue;
		if (k < len && (s[k] == '-' || s[k] == ' '))
			k++;
		if (k >= len || !ct_scan_alpha(s[k]))
			continue;
		k++;
		if (k < len && (s[k] == '-' || s[k] == ' '))
			k++;
		if (k + 2 <= len && ct_scan_digit(s[k]) &&
		    ct_scan_digit(s[k + 1]) &&
		    (k + 2 == len || !ct_scan_alnum(s[k + 2])))
			return true;
	}
	return false;
}

/* Number of digits in the text, written or spoken. */
static size_t ct_ex_count_digits(const struct ct_ex *x)
{
	size_t i, written = 0, spoken = 0;

	for (i = 0; i < x->len; i++)
		written += ct_scan_digit(x->text[i]);
	for (i = 0; i < x->t->n; i++)
		spoken += ct_ex_digit_word(x, i, false) >= 0;
	return written > spoken ? written : spoken;
}

/* Words before "log in" that make it no request ("can't", "how"). */
static const char ct_ex_login_blockers[] =
	" can't cannot cant couldn't unable not forgot forget how trouble"
	" problem problems issue issues failing fail failed won't didn't"
	" doesn't never error ";

/* Words before "log in" that make it a request ("I want to", "please"). */
static const char ct_ex_login_requests[] =
	" want wanna like need let help please can could would i'd ";

/* Nouns of a credential ("my account number", "the OTP"). */
static const char ct_ex_credential_nouns[] =
	" account acc acct id pin otp password passcode code customer card"
	" membership passport birth dob ";

/* Words between a credential noun and its value ("number is", "ends with"). */
static const char ct_ex_credential_fillers[] =
	" number no num nr is it's its ends ending with as reads of date ";

/* True when the caller asks to be logged in or verified ("log me in"). */
static bool ct_ex_login_request(const struct ct_ex *x)
{
	size_t i, b, n = x->t->n;

	for (i = 0; i < n; i++) {
		const char *w = ct_ex_tok(x, i);
		bool login =
			ct_ex_at_any(
				x, i,
				"log in|log me in|sign in|sign me in|log on") ||
			ct_ex_in(" login logon authenticate ", w) ||
			(strcmp(w, "verify") == 0 &&
			 ct_ex_in(" me my myself identity ",
				  ct_ex_tok(x, i + 1)));
		bool want = false;

		if (!login)
			continue;
		for (b = i;
		     b > 0 && i - b < 5 && !ct_ex_sentence_start(x, b);) {
			const char *p = ct_ex_tok(x, --b);

			if (ct_ex_in(ct_ex_login_blockers, p)) {
				want = false;
				break;
			}
			if (ct_ex_in(ct_ex_login_requests, p))
				want = true;
		}
		if (want)
			return true;
	}
	return false;
}

/*
 * True when the caller gives a credential of their own: "my account number
 * is 1234567890", "my PIN is 1234", "the OTP is 482913", "my password is
 * ...".
 */
static bool ct_ex_gives_credential(const struct ct_ex *x)
{
	size_t i, n = x->t->n;

	for (i = 0; i < n; i++) {
		const char *w = ct_ex_tok(x, i);
		bool mine = false, secret = ct_ex_in(" password passcode ", w);
		size_t b, j;

		if (!ct_ex_in(ct_ex_credential_nouns, w))
			continue;
		for (b = i;
		     b > 0 && i - b < 4 && !ct_ex_sentence_start(x, b);) {
			const char *p = ct_ex_tok(x, --b);

			if (ct_ex_possessive(p) || ct_ex_in(ct_ex_kin, p) ||
			    ct_ex_in(" his her their your ", p))
				break;
			if (strcmp(p, "my") == 0 ||
			    (strcmp(p, "the") == 0 &&
			     ct_ex_in(" otp code pin ", w))) {
				mine = true;
				break;
			}
		}
		if (!mine)
			continue;
		for (j = i + 1;
		     j < n && j - i <= 4 && !ct_ex_sentence_start(x, j); j++) {
			const char *v = ct_ex_tok(x, j);

			if (ct_scan_digit(v[0]) || ct_ex_secret_at(x, j) ||
			    ct_ex_digit_word(x, j, false) >= 0)
				return true;
			if (ct_ex_in(ct_ex_credential_fillers, v))
				continue;
			if (secret && strcmp(ct_ex_tok(x, j - 1), "is") == 0 &&
			    !ct_ex_common_word(v))
				return true;
			break;
		}
	}
	return false;
}

/* True when the text has the placeholder "[name]" (a redacted value). */
static bool ct_ex_has_placeholder(const struct ct_ex *x, const char *name)
{
	char n[16], hash[CT_EX_HASH_HEX + 1];
	size_t i;

	for (i = 0; i < x->len; i++)
		if (x->text[i] == '[' &&
		    ct_ex_placeholder_at(x->text, x->len, i, n, hash) != i &&
		    strcmp(n, name) == 0)
			return true;
	return false;
}

/* The authentication rule of one user turn (docs/text-rules-extract.md). */
static bool ct_ex_auth_attempt(const struct ct_ex *x, unsigned asked)
{
	if (ct_ex_login_request(x) || ct_ex_gives_credential(x) ||
	    ct_ex_has_national_id(x->text, x->len) ||
	    ct_ex_has_placeholder(x, "ID_NUMBER"))
		return true;
	/* a redacted value stands for at least four digits */
	return (asked & CT_EXTRACT_ASK_CREDENTIAL) &&
	       (ct_ex_count_digits(x) >= 4 || ct_ex_count_secrets(x) > 0);
}

/* ---------------------------------------------------------------------- */
/* Prompts. */

/* True when token i (a contact noun) follows "your": "your (mobile) number". */
static bool ct_ex_your_contact(const struct ct_ex *x, size_t i)
{
	while (i > 0 && !ct_ex_clause_break(x, i) &&
	       ct_ex_in(ct_ex_contact_mods, ct_ex_tok(x, i - 1)))
		i--;
	return i > 0 && !ct_ex_clause_break(x, i) &&
	       strcmp(ct_ex_tok(x, i - 1), "your") == 0;
}

/* Words that make a sentence of the assistant a request. */
static const char ct_ex_request_words[] =
	" please kindly provide tell give share state enter confirm say spell"
	" type read need require may can could what what's whats ";

/* A warning ("never share your PIN") has one of each. */
static const char ct_ex_warning_negations[] = " never don't dont not ";
static const char ct_ex_warning_verbs[] =
	" share give disclose tell reveal send ";

/* Nouns of a phone ("your mobile", "your number"). */
static const char ct_ex_phone_nouns[] =
	" number phone cell cellphone mobile whatsapp line telephone ";

/* Words that ask for a credential by themselves. */
static const char ct_ex_credential_words[] =
	" pin otp password passcode dob identity verify authenticate"
	" memorable ";

/* What the assistant asks for, as phrases (ct_ex_at_any). */
#define CT_EX_ASK_NAME_PHRASES                                                 \
	"your name|your full name|your first name|your names|"                 \
	"who am i speaking|who am i talking|who is calling|who's calling|"     \
	"who is this|call you|address you"
#define CT_EX_ASK_PHONE_PHRASES                                                \
	"phone number|mobile number|cell number|contact number|reach you"
#define CT_EX_ASK_CREDENTIAL_PHRASES                                           \
	"verification code|security code|one time|the code|account number|"    \
	"id number|national id|date of birth|security question|"               \
	"customer number|card number|last four|maiden name"

/* What one sentence [s, e) of an assistant turn asks for. */
static unsigned ct_ex_sentence_asks(const struct ct_ex *x, size_t s, size_t e)
{
	bool request = ct_ex_gap_has(x, e, "?"), never = false, share = false;
	bool mail = false, your = false;
	unsigned asks = 0;
	size_t i;

	for (i = s; i < e; i++) {
		const char *w = ct_ex_tok(x, i);

		request = request || ct_ex_in(ct_ex_request_words, w);
		never = never || ct_ex_in(ct_ex_warning_negations, w);
		share = share || ct_ex_in(ct_ex_warning_verbs, w);
		your = your || strcmp(w, "your") == 0;
		mail = mail || ct_ex_in(" email gmail ", w) ||
		       ct_ex_at(x, i, "e mail");
		if (ct_ex_at_any(x, i, CT_EX_ASK_NAME_PHRASES))
			asks |= CT_EXTRACT_ASK_NAME;
		if ((ct_ex_in(ct_ex_phone_nouns, w) &&
		     ct_ex_your_contact(x, i)) ||
		    ct_ex_at_any(x, i, CT_EX_ASK_PHONE_PHRASES))
			asks |= CT_EXTRACT_ASK_PHONE;
		if (ct_ex_in(ct_ex_credential_words, w) ||
		    ct_ex_at_any(x, i, CT_EX_ASK_CREDENTIAL_PHRASES))
			asks |= CT_EXTRACT_ASK_CREDENTIAL;
	}
	if (mail && your)
		asks |= CT_EXTRACT_ASK_EMAIL;
	if (!request || (never && share))
		return 0;
	return asks;
}

unsigned ct_extract_prompt_asks(const char *text, size_t len)
{
	struct ct_text_tokens toks = { 0 };
	struct ct_ex x;
	unsigned asks = 0;
	size_t s = 0, e;

	if (!text)
		return 0;
	if (ct_text_tokenize(text, len, &toks) < 0) {
		ct_text_tokens_free(&toks);
		return 0;
	}
	x.text = text;
	x.len = len;
	x.t = &toks;
	x.case_info = false;
	while (s < toks.n) {
		for (e = s + 1; e < toks.n && !ct_ex_sentence_start(&x, e); e++)
			;
		asks |= ct_ex_sentence_asks(&x, s, e);
		s = e;
	}
	ct_text_tokens_free(&toks);
	return asks;
}

/* ---------------------------------------------------------------------- */
/* Utterances and conversations. */

int ct_extract_utterance(const char *text, size_t len, const char *default_cc,
			 unsigned asked, struct ct_extract_utterance *out)
{
	struct ct_text_tokens toks = { 0 };
	size_t pos[CT_EXTRACT_ITEMS_MAX], k;
	struct ct_ex x;

	memset(out, 0, sizeof(*out));
	if (!ct_ex_cc_valid(default_cc))
		return -1;
	if (!text) {
		text = "";
		len = 0;
	}
	if (ct_text_tokenize(text, len, &toks) < 0) {
		ct_text_tokens_free(&toks);
		return -1;
	}
	x.text = text;
	x.len = len;
	x.t = &toks;
	x.case_info = ct_ex_has_case(text, len, &toks);

	ct_ex_find_name(&x, (asked & CT_EXTRACT_ASK_NAME) != 0, out->name);

	/* Phones written in digits and spoken in words, in order of mention. */
	ct_ex_find_digit_phones(&x, default_cc, out, pos);
	ct_ex_find_spoken_phones(&x, default_cc, out, pos);
	ct_ex_find_placeholders(&x, out, pos);

	ct_ex_find_written_emails(&x, out);
	ct_ex_find_spoken_emails(&x, (asked & CT_EXTRACT_ASK_EMAIL) != 0, out);

	for (k = 0; k < out->n_phones; k++)
		if (out->phones[k].owner == CT_EXTRACT_OWNER_NONE &&
		    (asked & CT_EXTRACT_ASK_PHONE))
			out->phones[k].owner = CT_EXTRACT_OWNER_SELF;
	for (k = 0; k < out->n_emails; k++)
		if (out->emails[k].owner == CT_EXTRACT_OWNER_NONE &&
		    (asked & CT_EXTRACT_ASK_EMAIL))
			out->emails[k].owner = CT_EXTRACT_OWNER_SELF;

	out->auth_attempt = ct_ex_auth_attempt(&x, asked);
	ct_text_tokens_free(&toks);
	return 0;
}

/* Words of a turn that only asks for time. */
static const char ct_ex_hold_words[] =
	" ok okay sure yes yeah yep alright hold on wait a moment second sec"
	" minute let me check see find get it um uh er hmm please just one ";

/* True when a user turn only asks for time ("hold on", "let me check"). */
static bool ct_ex_holding(const char *text, size_t len)
{
	struct ct_text_tokens toks = { 0 };
	bool hold;
	size_t i;

	if (ct_text_tokenize(text, len, &toks) < 0) {
		ct_text_tokens_free(&toks);
		return false;
	}
	hold = toks.n > 0 && toks.n <= 6;
	for (i = 0; hold && i < toks.n; i++)
		hold = ct_ex_in(ct_ex_hold_words, toks.v[i].s);
	ct_text_tokens_free(&toks);
	return hold;
}

int ct_extract_conversation(const struct ct_turn *turns, size_t n,
			    const char *default_cc, struct ct_extract_info *out)
{
	struct ct_extract_utterance u;
	unsigned asked = 0;
	size_t i, k, m;

	memset(out, 0, sizeof(*out));
	if (!ct_ex_cc_valid(default_cc))
		return -1;
	for (i = 0; i < n; i++) {
		const struct ct_turn *t = &turns[i];

		if (t->speaker == CT_SPEAKER_ASSISTANT) {
			asked = ct_extract_prompt_asks(t->text, t->len);
			continue;
		}
		if (t->speaker != CT_SPEAKER_USER)
			continue;
		if (ct_extract_utterance(t->text, t->len, default_cc, asked,
					 &u) < 0)
			return -1;
		if (!t->text || !ct_ex_holding(t->text, t->len))
			asked = 0; /* "hold on" still owes the answer */
		if (u.name[0])
			memcpy(out->user_name, u.name, sizeof(out->user_name));
		out->authentication_attempted =
			out->authentication_attempted || u.auth_attempt;
		for (k = 0; k < u.n_phones; k++) {
			if (u.phones[k].owner != CT_EXTRACT_OWNER_SELF)
				continue;
			for (m = 0; m < out->n_phones; m++)
				if (strcmp(out->phones[m], u.phones[k].e164) ==
				    0)
					break;
			if (m == out->n_phones && m < CT_EXTRACT_ITEMS_MAX)
				memcpy(out->phones[out->n_phones++],
				       u.phones[k].e164,
				       sizeof(out->phones[0]));
		}
		for (k = 0; k < u.n_emails; k++) {
			if (u.emails[k].owner != CT_EXTRACT_OWNER_SELF)
				continue;
			for (m = 0; m < out->n_emails; m++)
				if (strcmp(out->emails[m], u.emails[k].addr) ==
				    0)
					break;
			if (m == out->n_emails && m < CT_EXTRACT_ITEMS_MAX)
				memcpy(out->emails[out->n_emails++],
				       u.emails[k].addr,
				       sizeof(out->emails[0]));
		}
	}
	return 0;
}
