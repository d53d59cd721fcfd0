/*
 * The name rule of the extractor: the name a caller gives for themself in a
 * self-introduction ("my name is X", "I'm X", "this is X", "call me X", "X
 * here"), when X looks like a name.  Most of the file is the closed word
 * lists that tell a name from a common word; extract.c's opening comment
 * gives the rule and docs/text-rules-extract.md its measured error rates.
 *
 * Pure: no I/O, no global mutable state; the word lists are constants.
 */
#include <string.h>

#include "convtrack/extract.h"
#include "embedded.h"
#include "extract_int.h"
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
const char ct_ex_closed[] =
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
const char ct_ex_kin[] =
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

/* ---------------------------------------------------------------------- */
/* Where a token stands and how it is written. */

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

bool ct_ex_has_case(const char *text, size_t len,
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

bool ct_ex_common_word(const char *w)
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

void ct_ex_find_name(const struct ct_ex *x, bool asked_name,
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
