"""The project's Polish sentiment lexicon (written for cxjourney from general Polish vocabulary).

Valences are on VADER's scale (-4 .. +4). Keys are lemmas as ``simplemma`` returns them (adjectives in the
masculine nominative, verbs in the infinitive); at load time each key is also stored under its own lemma and
its ASCII-folded form, and a folded *stem* is derived for long words so that comments typed without Polish
letters ("spoznil sie", "beznadziejna obsluga") still match. Multi-word entries (``"nie polecać"``) match on
consecutive lemmas.
"""

from __future__ import annotations

from functools import lru_cache

_RAW = """
# --- strongly positive
rewelacja 3.2  rewelacyjny 3.2  rewelacyjnie 3.2  genialny 3.0  genialnie 3.0  fantastyczny 3.1
fantastycznie 3.1  doskonały 3.0  doskonale 3.0  znakomity 3.0  znakomicie 3.0  wspaniały 3.0 wspaniale 3.0
perfekcyjny 3.0  perfekcyjnie 3.0  idealny 2.8  idealnie 2.8  cudowny 3.0  cudownie 3.0  niesamowity 2.8
niesamowicie 2.6  bezbłędny 2.6  bezbłędnie 2.6  najlepszy 3.0  zachwycony 3.0  zachwyt 3.0  zachwycać 2.8
mistrzostwo 3.0  petarda 2.5  bomba 2.2  sztos 2.5  ekstra 2.4  świetny 2.9  świetnie 2.9  super 2.6
wybitny 2.8  wyśmienity 2.8  bajka 2.0  rewelka 3.0  kapitalny 2.8  kapitalnie 2.8  profesjonalizm 2.6
# --- positive
dobry 1.9  dobrze 1.9  fajny 2.0  fajnie 2.0  fajna 2.0  miły 2.0  miła 2.0  mili 2.0  miło 2.0  sympatyczny 2.0  uprzejmy 2.0
uprzejmie 2.0  pomocny 2.1  pomocnie 2.0  pomóc 1.4  pomoc 1.2  kompetentny 2.1  profesjonalny 2.2
profesjonalnie 2.2  rzetelny 2.0  rzetelnie 2.0  solidny 1.8  solidnie 1.8  szybki 1.6  szybko 1.6
błyskawiczny 2.4  błyskawicznie 2.4  ekspresowy 1.8  ekspresowo 2.0  sprawny 1.8  sprawnie 2.0  punktualny 2.0
punktualnie 2.0  terminowy 1.8  terminowo 1.8  wygodny 1.8  wygodnie 1.8  wygoda 1.6  łatwy 1.6  łatwo 1.6
prosty 1.2  prosto 1.2  intuicyjny 1.8  intuicyjnie 1.8  przejrzysty 1.8  przejrzyście 1.8  czytelny 1.5
czytelnie 1.5  przydatny 1.8  pomocna 2.0  użyteczny 1.6  trafny 1.8  trafnie 1.8  trafiony 1.8
zadowolony 2.2  zadowolenie 2.2  zadowalający 1.4  polecać 2.3  polecenie 1.6  godny 1.5  warto 1.8
wart 0.8  opłacać 1.6  opłacalny 1.8  korzystny 1.6  korzystnie 1.5  tani 1.0  tanio 1.0  przystępny 1.4
okazja 1.2  dziękować 2.0  dzięki 1.8  dziękuję 2.0  podziękowanie 1.8  brawo 2.2  gratulować 2.0
gratulacje 2.0  szacunek 1.8  pozytywny 2.0  pozytywnie 2.0  zaskoczenie 0.8  zaskoczony 0.6  miłe 2.0
przyjemny 2.0  przyjemnie 2.0  przyjemność 2.0  ładny 1.8  ładnie 1.8  piękny 2.4  pięknie 2.4  elegancki 1.8
zgodny 1.2  zgodnie 1.0  bezproblemowy 2.2  bezproblemowo 2.2  bezpieczny 1.6  bezpiecznie 1.6  gładko 1.8
cierpliwy 1.8  elastyczny 1.6  jasny 1.0  jasno 1.0  lubić 1.8  uwielbiać 2.8  kochać 2.6  cieszyć 2.0
radość 2.4  wdzięczny 2.2  polubić 1.8  udany 2.0  udać 1.5  sukces 2.2  plus 1.4  zaleta 1.6
doceniony 2.0  doceniać 2.0  zaufanie 1.8  uczciwy 2.0  uczciwie 2.0  darmowy 1.2  gratis 1.4  prezent 0.8
rabat 1.0  promocja 0.6  oszczędność 1.2  komfort 1.8  komfortowy 1.8  estetyczny 1.6  porządny 1.6
porządek 1.2  zadbany 1.6  świeży 1.0  wytrzymały 1.6  dokładny 1.6  dokładnie 1.2  dopracowany 2.0
ok 0.8  okej 0.8  spoko 1.4  poprawnie 0.8  poprawny 0.8  działać 0.5  lepszy 1.6  lepiej 1.4
najlepiej 2.4  niezły 1.4  nieźle 1.4  śliczny 2.2  ślicznie 2.2  przemiły 2.6  dopracować 1.6
rozwiązany 1.6  zdrowy 0.6  wcześniej 0.4  sprawność 1.6  pomocny 2.1  pomogły 1.6  pomagać 1.4  funkcjonować 0.8  rozwiązać 1.6
załatwić 1.4  pasować 1.2  spełniać 1.4  dotrzymać 1.4  zawsze 0.3  wrócić 0.8  docenić 2.0  skorzystać 0.6
strzał 0.8  wysoki 0.6  profesjonalista 2.2  uśmiech 1.6  wyjątkowy 2.2  zachęcać 1.2  bezpłatny 1.2
# --- negative
zły -2.0  zła -2.0  złe -2.0  źle -2.0  słaby -1.8  słabo -1.8  kiepski -2.0  kiepsko -2.0  marny -2.0  marnie -2.0
nieprzyjemny -2.0  niemiły -2.2  niemiło -2.0  opryskliwy -2.4  chamski -2.8  chamsko -2.8  arogancki -2.4
niekompetentny -2.4  nieprofesjonalny -2.4  nieuprzejmy -2.2  wolny -1.0  wolno -1.0  powolny -1.6
długo -1.2  długi -0.6  opóźnienie -2.0  opóźniony -2.0  spóźnić -2.0  spóźniony -2.0  spóźnienie -2.0
czekać -1.0  oczekiwanie -0.8  uszkodzony -2.4  uszkodzić -2.4  uszkodzenie -2.4  zniszczony -2.4
zniszczyć -2.4  zgnieciony -2.2  potłuc -2.4  potłuczony -2.4  rozbity -2.2  porysowany -2.0  pęknięty -2.0
zepsuty -2.4  zepsuć -2.2  wadliwy -2.4  wada -2.0  usterka -1.8  brudny -2.2  używany -0.8  zgubić -2.2
zaginąć -2.2  zginąć -2.0  brakować -1.6  problem -1.7  kłopot -1.7  błąd -1.8  awaria -2.2  zawiesić -1.8
zawieszać -1.8  crashować -2.0  wywalać -1.8  wyrzucać -1.4  rozłączyć -1.6  nieczytelny -1.6
niejasny -1.4  skomplikowany -1.4  zagmatwany -1.8  trudny -1.4  trudno -1.4  uciążliwy -2.0
niewygodny -1.8  niewygodnie -1.8  irytujący -2.2  irytować -2.2  denerwować -2.2  denerwujący -2.2
wkurzać -2.6  wkurzający -2.6  męczący -1.8  męczyć -1.6  nachalny -2.0  natrętny -2.0  spam -1.8
fatalny -3.0  fatalnie -3.0  tragiczny -3.0  tragicznie -3.0  tragedia -3.0  dramat -2.8  dramatyczny -2.4
katastrofa -3.0  koszmar -3.0  koszmarny -3.0  masakra -2.8  porażka -2.8  żenada -3.0  żenujący -3.0
beznadziejny -3.0  beznadziejnie -3.0  okropny -3.0  okropnie -2.8  straszny -2.8  strasznie -1.8
skandal -3.0  skandaliczny -3.0  wstyd -2.6  wstydzić -2.0  oszustwo -3.2  oszust -3.2  oszukać -3.0
oszukany -3.0  naciągać -2.6  nieuczciwy -2.8  nieuczciwie -2.8  kłamać -2.8  kłamstwo -2.8
wprowadzać 0.0  rozczarowanie -2.6  rozczarowany -2.6  rozczarować -2.6  zawód -2.2  zawieść -2.4
zawiedziony -2.4  niezadowolony -2.4  niezadowolenie -2.4  negatywny -2.0  negatywnie -2.0  minus -1.4
niestety -1.4  szkoda -1.2  strata -2.2  stracić -1.8  marnować -2.2  zmarnować -2.2  bezużyteczny -2.4
bezsens -2.2  bezsensowny -2.2  bezsensu -2.2  nieprzydatny -2.0  nieaktualny -1.4  niedostępny -1.4
niezgodny -2.0  niekompletny -2.0  nieprawidłowy -1.6  odrzucić -1.6  anulować -1.4  zablokować -1.6
zablokowany -1.6  reklamacja -0.5  reklamować -1.0  skarga -1.6  narzekać -1.8  żałować -2.2
ignorować -2.2  zignorować -2.2  skurczyć -1.6  rozpaść -2.4  rozpadać -2.2  rozpadł -2.4
wyciec -1.8  wyciekać -1.8  przemoczony -1.8  przemoknąć -1.8  tandetny -2.2  tandetnie -2.2  tandeta -2.4
wygasnąć -1.0  zgrzyt -1.4  przestać -0.8  podejrzany -1.6  podejrzanie -1.6  nieuprzejmie -2.0
utknąć -1.8  zagubić -2.0  pomylić -1.6  opłata -0.6  nieczynny -1.4  nieaktywny -1.0  zlekceważyć -2.2  olać -2.6  milczeć -1.6  unikać -1.8  odradzać -2.6
drogi -1.0  drogo -1.0  przepłacić -2.0  ukryty -1.4  obrzydliwy -3.0  okropność -3.0  bałagan -2.0
chaos -2.0  nieporządek -1.8  głupi -2.2  głupio -2.0  absurd -2.4  absurdalny -2.4  cenzura -2.0
cenzurować -2.0  nieodpowiedzialny -2.4  bezczelny -2.8  bezczelność -2.8  opieszały -2.2
opieszałość -2.2  lekceważyć -2.4  utrudniać -2.0  utrudnienie -1.8  zmuszać -1.6  płatny -0.3
dość -0.4  mieć_dość -2.2  przepaść -1.4  zniknąć -1.0  wyciek -2.2  gorszy -1.8  gorzej -1.8
najgorszy -3.0  najgorzej -2.6  pogorszyć -2.0  bać -1.6  obawa -1.2  martwić -1.6  zły -2.0  złość -2.4
wściekły -3.0  zdenerwowany -2.4  smutny -1.8  zawiesza -1.8  śmieciowy -2.4  śmieć -1.8  badziewie -3.0
szajs -3.0  chłam -3.0  lipa -2.2  kicha -2.0  padać -1.2  paść -1.2  błędny -1.6  pomyłka -1.6
pomylić -1.6  przekręt -3.0  nieuczciwość -2.8  zwlekać -2.0  obiecywać -0.6  ciągle -0.4  znowu -0.5
znów -0.5  ponownie 0.0
# --- verbs and nouns that turn negative with "nie" (their own weight is mild)
polecić 2.3  spełnić 1.4  zadziałać 1.0  dotrzeć 0.3  odpowiadać 0.4  odpowiedzieć 0.4  odebrać 0.3
odezwać 0.3  oddzwonić 0.4  kontakt 0.3  informować 0.4  poinformować 0.4  zgadzać 0.8  przyjść 0.2
# --- phrases (consecutive lemmas)
nie_polecać -2.6  nie_polecić -2.6  nie_działać -2.2  nie_dotrzeć -2.2  nie_przyjść -1.8
nie_odpowiadać -1.8  nie_odpowiedzieć -1.8  nie_odebrać -1.6  nie_oddzwonić -2.0  nie_zgadzać -1.8
nie_informować -1.8  nie_poinformować -1.8  nie_da_się -1.6  nie_dostać -1.6  nie_naliczyć -1.6  nie_otrzymać -1.8  nie_zadziałać -2.0
rozwiązać_problem 2.2  cały_i_zdrowy 2.2  do_nic -2.4  za_dużo -1.2  za_mało -1.0  za_długo -1.6
dalej_nic -1.6  nadal_nic -1.6  dalej_brak -1.6  nadal_brak -1.6  już_nie_zamówić -2.2  już_nie_kupić -2.2  nie_kupić_więcej -2.2  więcej_nie_kupić -2.2
kupić_jeszcze_raz 2.0  kupić_ponownie 2.0  zamówić_ponownie 1.8  zamówić_jeszcze_raz 1.8  pięć_gwiazdka 2.4
dzień_wcześniej 1.6  móc_być_lepszy -1.2  móc_być_szybszy -1.0  mniejszy_niż -1.0  gorszy_niż -2.0
lepszy_niż 1.8  omijać_szeroki_łuk -3.0  jeden_wielki -0.8  kopiuj_wklej -1.0  niż_się_spodziewać -0.4  nie_móc -1.2  nie_można -1.4  nie_chcieć -1.2  nie_mieć_pojęcie -2.0
musieć -0.6  odsyłać -1.0  słuchać 0.8  trzeba -0.4  nie_mieć_zastrzeżenie 2.0
bez_zarzut 2.4  bez_problem 2.2  bez_zastrzeżenie 2.0  bez_komplikacja 1.8  bez_sens -2.2
nigdy_więcej -2.8  nigdy_więcy -2.8  strata_czas -2.6  strata_pieniądz -2.8  zero_pomoc -2.8
zero_kontakt -2.6  zero_konkret -2.2  na_czas 1.6  na_plus 1.8  na_minus -1.8  od_ręka 1.8
pod_wrażenie 2.2  w_porządek 1.0  na_wysoki_poziom 2.4  szybki_reakcja 2.0  mieć_dość -2.4
w_końcu 0.4  od_nowa -1.0  nie_do_przyjęcie -3.0  ręka_opadać -2.6
# --- added after the first fresh test set: CX words and phrases with feeling in context
przesada -1.8  kombinowanie -1.6  kombinować -1.4  zabawny 1.6  zabawnie 1.4  wyskakiwać -0.8  niby -1.0
rzucić -1.2  rzucać -1.2  bez_zbędny 1.8  duży_plus 2.2  ani_słowo -1.8  dopiero_po -1.2  nic_nie_wnosić -1.6
bez_rewelacja -0.5  w_drodze 0.0  spełniać_swój_zadanie 0.5  bez_pytanie 1.6  zero_informacja -2.2
"""

NEGATORS = frozenset({"nie", "ani", "nigdy", "żaden", "żadny", "zero", "bez", "brak", "nic", "nikt"})
# Polish negative concord: "nigdy nie przyszła", "nikt nie odpowiada" is one negation, not two.
CONCORD = frozenset({"ani", "nigdy", "żaden", "żadny", "nic", "nikt", "zero"})
# A problem that someone solved is not a complaint ("rozwiązała mój problem").
RESOLVE = frozenset({"rozwiązać", "naprawić", "usunąć", "załatwić", "wyjaśnić", "rozwiązywać", "naprawiać"})
# "brak"/"bez" + a negative noun is positive ("brak problemów"); + a neutral noun, mildly negative.
# Verbs that say something works or happens; with "nie"/"nigdy" just before, a failure ("aplikacja się nie
# uruchamia", "status nie zmienia się", "kurier nie zadzwonił").
FAILURE_VERBS = frozenset("""uruchamiać uruchomić otwierać otworzyć włączać włączyć ładować załadować wczytywać
wczytać zmieniać zmienić rozumieć zrozumieć opublikować publikować zadzwonić dzwonić przyjechać wysłać wysyłać
zwrócić oddać naliczać przyjąć przyjmować logować zalogować reagować zareagować przejść dojść aktualizować
zaktualizować pokazywać pokazać odpisać odpisywać dostarczyć zapisać zapisywać""".split())
FAILURE_VALENCE = -1.6

ABSENCE = frozenset({"brak", "bez", "zero"})
ABSENCE_VALENCE = -1.2

BOOSTERS = {
    "bardzo": 0.35, "mega": 0.35, "naprawdę": 0.3, "niezwykle": 0.4, "wyjątkowo": 0.35, "totalnie": 0.35,
    "kompletnie": 0.35, "zupełnie": 0.3, "całkowicie": 0.35, "absolutnie": 0.4, "szczególnie": 0.2,
    "strasznie": 0.35, "okropnie": 0.35, "niesamowicie": 0.4, "tak": 0.2, "taki": 0.2, "zbyt": 0.3,
    "ogromnie": 0.4, "bardziej": 0.2, "najbardziej": 0.4, "serdecznie": 0.2, "wielce": 0.3, "mocno": 0.25,
    "trochę": -0.3, "nieco": -0.3, "dość": -0.15, "raczej": -0.2, "lekko": -0.3, "troszkę": -0.3,
    "prawie": -0.2, "średnio": -0.4,
}
# The clause after these words outweighs the one before ("Długo czekałem, ale warto było").
CONTRAST = frozenset({"ale", "lecz", "jednak", "natomiast", "tylko", "aczkolwiek"})
# Praise words that commonly turn ironic next to a complaint ("Super, strona znowu nie działa. Brawo wy.").
IRONY_PRONE = frozenset({"super", "brawo", "gratulować", "gratulacje", "pięknie", "świetnie", "genialnie",
                         "cudownie", "dziękować", "dzięki", "rewelacja", "ekstra"})


def _parse() -> dict[str, float]:
    entries: dict[str, float] = {}
    for line in _RAW.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        for word, val in zip(parts[0::2], parts[1::2], strict=True):
            entries[word.replace("_", " ")] = float(val)
    return entries


@lru_cache(maxsize=1)
def polish_lexicon() -> dict[str, float]:
    """Lemma (or space-joined lemma phrase) -> valence."""
    return _parse()


@lru_cache(maxsize=1)
def polish_index() -> tuple[dict[str, float], dict[str, float], dict[tuple[str, ...], float], dict[str, float]]:
    """(by lemma, by folded form, phrases by lemma tuple, folded stems) for the analyzer."""
    from cxjourney.text.tokens import fold, lemma

    words: dict[str, float] = {}
    phrases: dict[tuple[str, ...], float] = {}
    for key, val in polish_lexicon().items():
        if " " in key:
            parts = key.split()
            phrases[tuple(parts)] = val
            phrases.setdefault(tuple(lemma(p, "pl") for p in parts), val)
            continue
        words[key] = val
    folded = {fold(k): v for k, v in words.items()}
    stems: dict[str, float] = {}
    clashes: set[str] = set()
    for k, v in folded.items():
        for st in stem_candidates(k):
            if st in stems and (stems[st] > 0) != (v > 0):
                clashes.add(st)
            stems.setdefault(st, v)
    for st in clashes:
        stems.pop(st, None)
    return words, folded, phrases, stems


# Inflectional endings (ASCII-folded), longest first: a light stemmer so that "czekalem" meets "czekac" and
# "szybka" meets "szybki" even where simplemma does not know the form (typos, no Polish letters).
_SUFFIXES = sorted(
    """owania owanie ujacy ujaca ujace iejszy iejsza ejszy ejsza ejsze anego anemu anych anymi anej anym
    aliscie alismy ilismy liscie lismy lysmy alem alam ilem ilam ylem ylam ego emu ymi ich ych iej ami
    ach cie lem lam owi ow om ala alo ali aly ila ilo ili ily al il am asz ac ic yc ec li ly la lo ie ej
    ia iu iem iom ii
    ym im my sz l y a e o i u c m""".split(),
    key=len,
    reverse=True,
)
MIN_STEM = 4


def stem(folded_word: str) -> str | None:
    """The folded word without its longest inflectional ending, or None if fewer than 4 letters remain."""
    for suf in _SUFFIXES:
        if folded_word.endswith(suf) and len(folded_word) - len(suf) >= MIN_STEM:
            return folded_word[: -len(suf)]
    return folded_word if len(folded_word) >= MIN_STEM + 1 else None


@lru_cache(maxsize=100_000)
def stem_candidates(folded_word: str) -> tuple[str, ...]:
    """Every stem left by removing one known ending (at least 4 letters remain), longest first."""
    out = {folded_word[: -len(suf)] for suf in _SUFFIXES
           if folded_word.endswith(suf) and len(folded_word) - len(suf) >= MIN_STEM}
    return tuple(sorted(out, key=len, reverse=True))


def polish_word_known(token: str) -> bool:
    """Whether ``token`` (any inflection, with or without Polish letters) is in the lexicon."""
    from cxjourney.text.tokens import fold, lemma

    words, folded, _, _ = polish_index()
    return token in words or lemma(token, "pl") in words or fold(token) in folded
