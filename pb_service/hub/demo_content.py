"""Starter content of the hub, written for this project: (title, summary, body) per language.

The law is quoted from art. 5a of the act of 8 March 1990 on municipal self-government (ustawa o
samorządzie gminnym) as amended in 2018; the worked example uses made-up round numbers.
"""

EDITION_STEPS = {
    "pl": ("Edycja budżetu obywatelskiego krok po kroku (art. 5a)",
           "Od uchwały rady gminy do realizacji zwycięskich projektów: co mówi ustawa i w jakiej kolejności działać.",
           """Budżet obywatelski jest według art. 5a ust. 3 ustawy o samorządzie gminnym **szczególną formą konsultacji społecznych**. Mieszkańcy co roku decydują w bezpośrednim głosowaniu o części wydatków budżetu gminy (ust. 4), a w miastach na prawach powiatu budżet obywatelski jest obowiązkowy i wynosi co najmniej **0,5% wydatków gminy** z ostatniego przedłożonego sprawozdania z wykonania budżetu (ust. 5).

## 1. Uchwała rady gminy
Rada gminy określa w uchwale wymagania dla projektu budżetu obywatelskiego (ust. 7), w szczególności:
- formalne wymogi zgłaszanych projektów; wymagana liczba podpisów poparcia **nie może przekroczyć 0,1% mieszkańców** obszaru puli, w której zgłaszany jest projekt;
- zasady oceny projektów (zgodność z prawem, wykonalność techniczna, wymogi formalne) i **tryb odwołania** od decyzji o niedopuszczeniu projektu do głosowania;
- zasady głosowania, ustalania i ogłaszania wyników, które muszą zapewniać **równość i bezpośredniość** głosowania.

## 2. Harmonogram i pule
Ogłoś harmonogram z datami każdego etapu i podziel kwotę na pule: ogólnomiejską i pule obszarów (np. dzielnic lub osiedli).

## 3. Zgłaszanie projektów
Mieszkańcy składają projekty z szacunkowym kosztem, lokalizacją i listą poparcia. Pomóż im: dyżury urzędników, spotkania, proste formularze.

## 4. Ocena formalna i merytoryczna
Sprawdź kompletność, zgodność z prawem, z zadaniami gminy i własnością terenu, koszt oraz wykonalność. Każdą decyzję uzasadnij publicznie.

## 5. Odwołania
Autor projektu niedopuszczonego do głosowania może się odwołać w trybie z uchwały. Rozpatrz odwołanie w terminie z harmonogramu.

## 6. Głosowanie
Głosowanie musi być równe i bezpośrednie. Zapewnij głosowanie elektroniczne i papierowe oraz dostępne punkty głosowania.

## 7. Wyniki
Policz głosy według reguły z uchwały, ogłoś wyniki wraz z liczbą głosów każdego projektu.

## 8. Realizacja
Zadania wybrane w głosowaniu uwzględnia się w uchwale budżetowej; rada **nie może ich usuwać ani istotnie zmieniać** (ust. 4). Informuj mieszkańców o postępie realizacji.
"""),
    "en": ("A participatory budgeting edition step by step (art. 5a)",
           "From the council's resolution to delivering the winning projects: what the act says and in what order to act.",
           """Under art. 5a(3) of the Act on Municipal Self-Government, participatory budgeting is **a special form of public consultation**. Every year residents decide by direct vote on part of the municipality's spending (art. 5a(4)); in cities with powiat rights it is mandatory and amounts to at least **0.5% of the municipality's expenditure** in the last submitted budget implementation report (art. 5a(5)).

## 1. The council's resolution
The municipal council sets out the requirements in a resolution (art. 5a(7)), in particular:
- formal requirements for proposals; the number of supporting signatures **may not exceed 0.1% of the residents** of the area of the pool;
- how proposals are assessed (legality, technical feasibility, formal requirements) and **how to appeal** a decision not to put a proposal to the vote;
- rules for voting, counting and announcing results, which must ensure **equal and direct** voting.

## 2. Timetable and pools
Publish a timetable with a date for each stage and divide the amount into pools: city-wide and area pools (e.g. districts).

## 3. Submitting proposals
Residents submit proposals with an estimated cost, a location and a list of supporters. Help them with office hours, meetings and simple forms.

## 4. Formal and merit review
Check completeness, legality, fit with the municipality's tasks and land ownership, cost and feasibility. Give public reasons for every decision.

## 5. Appeals
An author whose proposal was not admitted may appeal as the resolution provides. Decide appeals by the date in the timetable.

## 6. Voting
Voting must be equal and direct. Offer online and paper voting and accessible polling points.

## 7. Results
Count the votes with the rule set in the resolution and publish the results with every project's number of votes.

## 8. Implementation
Tasks chosen by the vote are included in the budget resolution; the council **may not remove them or change them substantially** (art. 5a(4)). Keep residents informed about progress.
"""),
    "uk": ("Видання бюджету участі крок за кроком (ст. 5a)",
           "Від ухвали ради гміни до реалізації проєктів-переможців: що каже закон і в якому порядку діяти.",
           """Відповідно до ст. 5a ч. 3 Закону про гмінне самоврядування бюджет участі (budżet obywatelski) є **особливою формою громадських консультацій**. Щороку мешканці прямим голосуванням вирішують щодо частини видатків бюджету гміни (ч. 4); у містах на правах повіту він обов'язковий і становить щонайменше **0,5% видатків гміни** за останнім поданим звітом про виконання бюджету (ч. 5).

## 1. Ухвала ради гміни
Рада гміни визначає вимоги в ухвалі (ч. 7), зокрема:
- формальні вимоги до проєктів; кількість підписів підтримки **не може перевищувати 0,1% мешканців** території відповідного пулу;
- правила оцінювання проєктів (законність, технічна здійсненність, формальні вимоги) і **порядок оскарження** рішення про недопущення проєкту до голосування;
- правила голосування, підрахунку й оголошення результатів, які мають забезпечувати **рівність і прямоту** голосування.

## 2. Графік і пули
Оприлюдніть графік із датою кожного етапу та поділіть суму на пули: загальноміський і пули частин міста (наприклад, районів).

## 3. Подання проєктів
Мешканці подають проєкти з орієнтовною вартістю, місцем реалізації та списком підтримки. Допоможіть їм: чергування посадовців, зустрічі, прості форми.

## 4. Формальна й змістовна оцінка
Перевірте повноту, законність, відповідність завданням гміни та власності на землю, вартість і здійсненність. Кожне рішення публічно обґрунтуйте.

## 5. Оскарження
Автор недопущеного проєкту може оскаржити рішення в порядку, визначеному ухвалою. Розгляньте скарги у строки з графіка.

## 6. Голосування
Голосування має бути рівним і прямим. Забезпечте електронне й паперове голосування та доступні пункти голосування.

## 7. Результати
Підрахуйте голоси за правилом з ухвали й оприлюдніть результати з кількістю голосів кожного проєкту.

## 8. Реалізація
Обрані завдання включаються до бюджетної ухвали; рада **не може їх вилучати чи суттєво змінювати** (ч. 4). Інформуйте мешканців про хід реалізації.
"""),
}

REVIEW_CHECKLIST = {
    "pl": ("Lista kontrolna oceny formalnej i merytorycznej projektów",
           "Pytania, na które oceniający odpowiada przy każdym projekcie, z miejscem na uzasadnienie.",
           """Odpowiedz na każde pytanie „tak” lub „nie”. Każde „nie” wymaga **uzasadnienia**, które zostanie opublikowane i umożliwi autorowi odwołanie.

## Ocena formalna
| Pytanie | Tak / Nie |
|---|---|
| Projekt złożono w terminie i na właściwym formularzu? | |
| Wypełniono wszystkie obowiązkowe pola (tytuł, opis, lokalizacja, szacunkowy koszt)? | |
| Dołączono listę poparcia z wymaganą liczbą podpisów (nie więcej niż 0,1% mieszkańców obszaru puli)? | |
| Projekt zgłoszono do właściwej puli (ogólnomiejskiej lub obszaru)? | |

## Ocena merytoryczna
| Pytanie | Tak / Nie |
|---|---|
| Projekt mieści się w zadaniach własnych gminy? | |
| Jest zgodny z prawem, w tym z miejscowym planem zagospodarowania przestrzennego? | |
| Teren lub obiekt należy do gminy albo gmina może nim dysponować? | |
| Koszt (z kosztami utrzymania) mieści się w limicie puli? | |
| Projekt da się zrealizować w ciągu roku budżetowego? | |
| Projekt jest ogólnodostępny dla mieszkańców? | |

## Przed publikacją wyniku oceny
- Jeśli projekt wymaga zmian, skontaktuj się z autorem, zanim go odrzucisz.
- Podaj podstawę prawną lub faktyczną każdej negatywnej decyzji.
- Poinformuj o terminie i sposobie odwołania.
"""),
    "en": ("A checklist for the formal and merit review of proposals",
           "Questions the reviewer answers for every proposal, with room for the reasons.",
           """Answer each question "yes" or "no". Every "no" needs **a reason**, which is published and lets the author appeal.

## Formal review
| Question | Yes / No |
|---|---|
| Was the proposal submitted on time and on the right form? | |
| Are all required fields filled in (title, description, location, estimated cost)? | |
| Is the list of supporters attached with the required number of signatures (at most 0.1% of the pool area's residents)? | |
| Was it submitted to the right pool (city-wide or area)? | |

## Merit review
| Question | Yes / No |
|---|---|
| Is it among the municipality's own tasks? | |
| Is it lawful, including the local zoning plan? | |
| Does the land or building belong to the municipality, or may the municipality use it? | |
| Does the cost (with upkeep) fit the pool's limit? | |
| Can it be delivered within the budget year? | |
| Is it open to all residents? | |

## Before publishing the outcome
- If the proposal needs changes, contact the author before rejecting it.
- Give the legal or factual basis of every negative decision.
- Say how and by when the author can appeal.
"""),
    "uk": ("Контрольний список формальної та змістовної оцінки проєктів",
           "Питання, на які оцінювач відповідає щодо кожного проєкту, з місцем для обґрунтування.",
           """Дайте відповідь «так» чи «ні» на кожне питання. Кожне «ні» потребує **обґрунтування**, яке буде опубліковане і дасть авторові змогу оскаржити рішення.

## Формальна оцінка
| Питання | Так / Ні |
|---|---|
| Проєкт подано вчасно й на правильній формі? | |
| Заповнено всі обов'язкові поля (назва, опис, місце, орієнтовна вартість)? | |
| Додано список підтримки з потрібною кількістю підписів (не більше 0,1% мешканців території пулу)? | |
| Проєкт подано до правильного пулу (загальноміського чи території)? | |

## Змістовна оцінка
| Питання | Так / Ні |
|---|---|
| Проєкт належить до власних завдань гміни? | |
| Він законний, зокрема відповідає місцевому плану просторового розвитку? | |
| Земля чи об'єкт належать гміні або гміна може ними розпоряджатися? | |
| Вартість (з утриманням) вкладається в ліміт пулу? | |
| Проєкт можна реалізувати протягом бюджетного року? | |
| Проєкт загальнодоступний для мешканців? | |

## Перед оприлюдненням результату
- Якщо проєкт потребує змін, зв'яжіться з автором, перш ніж його відхилити.
- Вкажіть правову чи фактичну підставу кожного негативного рішення.
- Повідомте, як і до якого строку можна оскаржити рішення.
"""),
}

OUTCOME_RULES = {
    "pl": ("Jak wybrać regułę wyłaniania zwycięzców: metoda zachłanna czy metoda równych udziałów",
           "Porównanie na prostym przykładzie: ta sama kwota, te same głosy, różne wyniki.",
           """Większość gmin wybiera projekty **metodą zachłanną**: od projektu z największą liczbą głosów, dopóki starcza pieniędzy (projekt, który się nie mieści, jest pomijany). **Metoda równych udziałów** (Method of Equal Shares) dzieli budżet po równo między głosujących i finansuje projekty, na które wspólnie mogą się złożyć ich zwolennicy. Zastosowała ją m.in. **Wieliczka w 2023 r.**

## Przykład (liczby przykładowe)
Pula: **100 000 zł**. Głosuje 100 osób, każda może poprzeć dowolnie wiele projektów.
- 60 osób z osiedla Północ popiera projekty A (40 000 zł), B (40 000 zł) i C (20 000 zł);
- 40 osób z osiedla Południe popiera projekt D (40 000 zł).

| Projekt | Koszt | Głosy |
|---|---|---|
| A | 40 000 zł | 60 |
| B | 40 000 zł | 60 |
| C | 20 000 zł | 60 |
| D | 40 000 zł | 40 |

**Metoda zachłanna:** A, B i C (razem 100 000 zł). Projekt D się nie mieści. Osiedle Południe, czyli 40% głosujących, nie dostaje nic.

**Metoda równych udziałów:** każdy głosujący ma 1 000 zł (100 000 zł / 100). Projekt jest kupowany, gdy jego zwolennicy mogą go opłacić, dzieląc koszt możliwie równo; najpierw ten, w którym na osobę przypada najmniej.
1. C: 20 000 zł / 60 osób = 333,33 zł na osobę – kupiony (Północ ma po 666,67 zł).
2. A: 40 000 zł / 60 = 666,67 zł – kupiony (Północ ma po 0 zł).
3. B: zwolennicy nie mają już pieniędzy – nie.
4. D: 40 000 zł / 40 = 1 000 zł – kupiony.

Wynik: **C, A i D**. Północ (60% głosujących) dostaje 60 000 zł, Południe (40%) 40 000 zł.

## Jak wybrać
- Metoda zachłanna jest prosta do wyjaśnienia, ale duże grupy mogą zabrać całą pulę.
- Metoda równych udziałów daje grupom udział proporcjonalny do ich liczebności; warto ją objaśnić mieszkańcom przed głosowaniem.
- Gdy metoda równych udziałów nie wyda całej kwoty, uchwała powinna określać, co dalej (np. uzupełnienie metodą zachłanną).
- Niezależnie od metody opisz w uchwale rozstrzyganie remisów i opublikuj dane, by każdy mógł przeliczyć wynik.
"""),
    "en": ("How to choose an outcome rule: greedy or the Method of Equal Shares",
           "A comparison on a simple example: the same money, the same votes, different results.",
           """Most municipalities select projects **greedily**: from the most-voted project down, while money lasts (a project that no longer fits is skipped). **The Method of Equal Shares** splits the budget equally among the voters and funds projects that their supporters can pay for together. **Wieliczka used it in 2023**, among others.

## Example (illustrative numbers)
Pool: **PLN 100,000**. 100 people vote; each may support any number of projects.
- 60 people from the North estate support A (PLN 40,000), B (PLN 40,000) and C (PLN 20,000);
- 40 people from the South estate support D (PLN 40,000).

| Project | Cost | Votes |
|---|---|---|
| A | PLN 40,000 | 60 |
| B | PLN 40,000 | 60 |
| C | PLN 20,000 | 60 |
| D | PLN 40,000 | 40 |

**Greedy:** A, B and C (PLN 100,000 in all). D does not fit. The South, 40% of the voters, gets nothing.

**Equal Shares:** every voter holds PLN 1,000 (100,000 / 100). A project is bought when its supporters can pay for it, sharing the cost as equally as possible; the one costing each supporter least goes first.
1. C: 20,000 / 60 = PLN 333.33 each – bought (the North has 666.67 each left).
2. A: 40,000 / 60 = PLN 666.67 each – bought (the North has 0 left).
3. B: its supporters have no money left – no.
4. D: 40,000 / 40 = PLN 1,000 each – bought.

Result: **C, A and D**. The North (60% of voters) gets PLN 60,000, the South (40%) PLN 40,000.

## How to choose
- Greedy is easy to explain, but a large group can take the whole pool.
- Equal Shares gives groups a share in proportion to their size; explain it to residents before the vote.
- When Equal Shares does not spend the whole amount, the resolution should say what happens next (e.g. completing greedily).
- Whatever the rule, define tie-breaking in the resolution and publish the data so that anyone can recount.
"""),
    "uk": ("Як обрати правило визначення переможців: жадібний метод чи метод рівних часток",
           "Порівняння на простому прикладі: ті самі гроші, ті самі голоси, різні результати.",
           """Більшість гмін обирає проєкти **жадібним методом**: від проєкту з найбільшою кількістю голосів, поки вистачає грошей (проєкт, що не вміщується, пропускають). **Метод рівних часток** (Method of Equal Shares) ділить бюджет порівну між тими, хто голосує, і фінансує проєкти, за які їхні прихильники можуть спільно заплатити. Його, зокрема, застосувала **Величка (Wieliczka) у 2023 р.**

## Приклад (умовні числа)
Пул: **100 000 злотих**. Голосують 100 осіб, кожна може підтримати будь-яку кількість проєктів.
- 60 осіб із мікрорайону Північ підтримують A (40 000 зл.), B (40 000 зл.) і C (20 000 зл.);
- 40 осіб із мікрорайону Південь підтримують D (40 000 зл.).

| Проєкт | Вартість | Голоси |
|---|---|---|
| A | 40 000 зл. | 60 |
| B | 40 000 зл. | 60 |
| C | 20 000 зл. | 60 |
| D | 40 000 зл. | 40 |

**Жадібний метод:** A, B і C (разом 100 000 зл.). D не вміщується. Південь, тобто 40% виборців, не отримує нічого.

**Метод рівних часток:** кожен виборець має 1 000 зл. (100 000 / 100). Проєкт купується, коли його прихильники можуть за нього заплатити, ділячи вартість якомога рівніше; першим – той, де на особу припадає найменше.
1. C: 20 000 / 60 = 333,33 зл. на особу – куплено (у Півночі лишається по 666,67).
2. A: 40 000 / 60 = 666,67 зл. – куплено (у Півночі лишається 0).
3. B: у прихильників немає грошей – ні.
4. D: 40 000 / 40 = 1 000 зл. – куплено.

Результат: **C, A і D**. Північ (60% виборців) отримує 60 000 зл., Південь (40%) – 40 000 зл.

## Як обрати
- Жадібний метод легко пояснити, але велика група може забрати весь пул.
- Метод рівних часток дає групам частку, пропорційну їхній чисельності; поясніть його мешканцям до голосування.
- Якщо метод рівних часток не витрачає всю суму, ухвала має визначати, що далі (наприклад, доповнення жадібним методом).
- Незалежно від методу визначте в ухвалі розв'язання нічиїх і оприлюдніть дані, щоб кожен міг перерахувати результат.
"""),
}

ACCESSIBILITY = {
    "pl": ("Dostępność głosowania w budżecie obywatelskim",
           "Jak sprawić, by zagłosować mogły osoby z niepełnosprawnościami, starsze i bez dostępu do internetu.",
           """Głosowanie musi być **równe** (art. 5a ust. 7 pkt 3), a to znaczy także: dostępne. Gminy mają koordynatora do spraw dostępności (ustawa z 19 lipca 2019 r. o zapewnianiu dostępności osobom ze szczególnymi potrzebami) – zaangażuj go od początku.

## Głosowanie internetowe
- Formularz obsługiwany samą klawiaturą i czytnikiem ekranu, zgodny z WCAG 2.1 na poziomie AA.
- Jasne komunikaty o błędach przy polach, bez limitu czasu lub z możliwością jego wydłużenia.
- Opisy projektów prostym językiem; zdjęcia z tekstem alternatywnym.

## Głosowanie papierowe
- Punkty głosowania bez barier architektonicznych, z miejscem do siedzenia.
- Karta w większej czcionce na życzenie; możliwość pomocy osoby wskazanej przez głosującego.
- Punkty w miejscach, które ludzie i tak odwiedzają: biblioteki, domy kultury, kluby seniora.

## Informacja
- Ogłoszenia także w tekście łatwym do czytania i w polskim języku migowym.
- Kontakt telefoniczny i e-mailowy do osoby, która pomoże zagłosować.
- Po edycji zapytaj, kto miał trudności, i popraw to w kolejnej.
"""),
    "en": ("Accessible voting in participatory budgeting",
           "How to make sure people with disabilities, older people and people without the internet can vote.",
           """Voting must be **equal** (art. 5a(7)(3)), and that also means accessible. Municipalities have an accessibility coordinator (Act of 19 July 2019 on ensuring accessibility for persons with special needs): involve them from the start.

## Online voting
- A form usable with a keyboard alone and with a screen reader, meeting WCAG 2.1 level AA.
- Clear error messages next to fields; no time limit, or one that can be extended.
- Project descriptions in plain language; images with alternative text.

## Paper voting
- Polling points without architectural barriers, with a place to sit.
- A large-print ballot on request; help from a person the voter chooses.
- Points where people go anyway: libraries, cultural centres, seniors' clubs.

## Information
- Announcements also in easy-to-read text and in Polish Sign Language.
- A phone number and e-mail of a person who helps people vote.
- After the edition, ask who had difficulties and fix it for the next one.
"""),
    "uk": ("Доступність голосування в бюджеті участі",
           "Як зробити так, щоб могли проголосувати люди з інвалідністю, літні люди та ті, хто не має інтернету.",
           """Голосування має бути **рівним** (ст. 5a ч. 7 п. 3), а це означає також доступним. У гмінах є координатор з питань доступності (закон від 19 липня 2019 р. про забезпечення доступності для осіб з особливими потребами) – залучіть його від початку.

## Онлайн-голосування
- Форма, якою можна користуватися лише клавіатурою та зчитувачем екрана, відповідно до WCAG 2.1 рівня AA.
- Зрозумілі повідомлення про помилки біля полів; без обмеження часу або з можливістю його продовжити.
- Описи проєктів простою мовою; зображення з альтернативним текстом.

## Паперове голосування
- Пункти голосування без архітектурних бар'єрів, з місцем, щоб сісти.
- Бюлетень великим шрифтом на прохання; допомога особи, яку обере виборець.
- Пункти там, куди люди й так ходять: бібліотеки, будинки культури, клуби для літніх людей.

## Інформація
- Оголошення також у легкому для читання тексті та польською жестовою мовою.
- Телефон і e-mail особи, яка допоможе проголосувати.
- Після видання запитайте, хто мав труднощі, і виправте це в наступному.
"""),
}

COURSE = {
    "pl": ("Kurs: budżet obywatelski od podstaw",
           "Trzy krótkie lekcje dla urzędników, którzy zaczynają pracę przy budżecie obywatelskim.",
           "Kurs prowadzi przez podstawę prawną, przygotowanie edycji i głosowanie. Po każdej lekcji oznacz ją jako ukończoną – postępy zobaczysz na stronie kursu."),
    "en": ("Course: participatory budgeting from the ground up",
           "Three short lessons for officials starting work on participatory budgeting.",
           "The course walks through the legal basis, preparing an edition and the vote. Mark each lesson as done; your progress shows on the course page."),
    "uk": ("Курс: бюджет участі з нуля",
           "Три короткі уроки для посадовців, які починають працювати з бюджетом участі.",
           "Курс охоплює правову основу, підготовку видання та голосування. Після кожного уроку позначайте його як пройдений – поступ видно на сторінці курсу."),
}

COURSE_MODULE = {"pl": "Podstawy", "en": "The basics", "uk": "Основи"}

COURSE_LESSONS = [
    {
        "pl": ("Podstawa prawna", "Budżet obywatelski reguluje art. 5a ustawy o samorządzie gminnym. Jest szczególną formą konsultacji społecznych; w miastach na prawach powiatu jest obowiązkowy i wynosi co najmniej 0,5% wydatków gminy. Szczegóły określa uchwała rady gminy."),
        "en": ("The legal basis", "Participatory budgeting is governed by art. 5a of the Act on Municipal Self-Government. It is a special form of public consultation; in cities with powiat rights it is mandatory and amounts to at least 0.5% of the municipality's expenditure. The council's resolution sets the details."),
        "uk": ("Правова основа", "Бюджет участі регулює ст. 5a Закону про гмінне самоврядування. Це особлива форма громадських консультацій; у містах на правах повіту він обов'язковий і становить щонайменше 0,5% видатків гміни. Деталі визначає ухвала ради гміни."),
    },
    {
        "pl": ("Harmonogram, zgłoszenia i ocena", "Ogłoś harmonogram, pule i zasady. Wymagana liczba podpisów poparcia nie może przekroczyć 0,1% mieszkańców obszaru puli. Oceniaj projekty według listy kontrolnej i uzasadniaj każdą decyzję, bo autor może się odwołać."),
        "en": ("Timetable, proposals and review", "Publish the timetable, pools and rules. The number of supporting signatures may not exceed 0.1% of the pool area's residents. Review proposals with the checklist and give reasons for each decision, as the author may appeal."),
        "uk": ("Графік, подання й оцінка", "Оприлюдніть графік, пули й правила. Кількість підписів підтримки не може перевищувати 0,1% мешканців території пулу. Оцінюйте проєкти за контрольним списком і обґрунтовуйте кожне рішення, бо автор може його оскаржити."),
    },
    {
        "pl": ("Głosowanie i wyniki", "Głosowanie musi być równe i bezpośrednie. Zapewnij dostępne głosowanie internetowe i papierowe, policz głosy według reguły z uchwały i opublikuj wyniki z liczbą głosów każdego projektu."),
        "en": ("The vote and the results", "Voting must be equal and direct. Offer accessible online and paper voting, count with the rule in the resolution and publish the results with each project's votes."),
        "uk": ("Голосування й результати", "Голосування має бути рівним і прямим. Забезпечте доступне онлайн- і паперове голосування, рахуйте за правилом з ухвали та оприлюдніть результати з кількістю голосів кожного проєкту."),
    },
]

#: Illustrative practices for the demo municipalities; each says so in its text.
PRACTICES = {
    "gdansk": {
        "pl": ("Pule dzielnicowe i pula ogólnomiejska", "Jak podział na pule pozwala mieszkańcom decydować i o najbliższej okolicy, i o całym mieście.",
               "Przykład demonstracyjny przygotowany dla tej wersji serwisu – szczegóły sprawdź w uchwale i regulaminie miasta.\n\nMiasto dzieli kwotę budżetu obywatelskiego na pule dzielnic i pulę ogólnomiejską. Mieszkaniec głosuje w puli ogólnomiejskiej i w puli swojej dzielnicy. Dzięki temu mniejsze dzielnice nie konkurują z projektami całego miasta, a projekty ogólnomiejskie mają własną pulę.\n\n**Czego się nauczyć:** podział pul i ich wielkość (np. według liczby mieszkańców) warto ogłosić przed zgłaszaniem projektów."),
        "en": ("District pools and a city-wide pool", "How dividing the money into pools lets residents decide both about their neighbourhood and about the whole city.",
               "An illustrative example prepared for this demo – check the details in the city's resolution and rules.\n\nThe city divides the participatory budget into district pools and a city-wide pool. A resident votes in the city-wide pool and in the pool of their district. Smaller districts then do not compete with city-wide projects, which have a pool of their own.\n\n**Lesson:** announce the pools and their size (e.g. by population) before proposals are submitted."),
        "uk": ("Районні пули й загальноміський пул", "Як поділ на пули дозволяє мешканцям вирішувати і щодо свого району, і щодо всього міста.",
               "Демонстраційний приклад для цієї версії сервісу – деталі дивіться в ухвалі та правилах міста.\n\nМісто ділить суму бюджету участі на пули районів і загальноміський пул. Мешканець голосує в загальноміському пулі та в пулі свого району. Тож менші райони не конкурують із проєктами всього міста, які мають власний пул.\n\n**Урок:** оголосіть пули та їхній розмір (наприклад, за кількістю мешканців) до подання проєктів."),
    },
    "krakow": {
        "pl": ("Pilotaż: dyżury konsultacyjne dla autorów projektów", "Spotkania autorów z urzędnikami przed złożeniem projektu, by mniej projektów odpadało na ocenie formalnej.",
               "Przykład demonstracyjny przygotowany dla tej wersji serwisu – nie opisuje rzeczywistych wyników.\n\nPrzed terminem zgłaszania projektów urzędnicy wydziałów (zieleń, drogi, oświata) prowadzą dyżury, na których autor może sprawdzić własność terenu, szacunkowy koszt i wykonalność pomysłu.\n\n**Co mierzyć:** odsetek projektów niedopuszczonych z powodów formalnych przed pilotażem i po nim oraz liczbę odwołań."),
        "en": ("Pilot: advice sessions for proposal authors", "Authors meet officials before submitting, so that fewer proposals fail the formal review.",
               "An illustrative example prepared for this demo – it does not report real results.\n\nBefore the submission deadline, officials of the departments (greenery, roads, education) hold sessions where an author can check land ownership, the estimated cost and the feasibility of an idea.\n\n**What to measure:** the share of proposals rejected on formal grounds before and after the pilot, and the number of appeals."),
        "uk": ("Пілот: консультаційні чергування для авторів проєктів", "Автори зустрічаються з посадовцями до подання, щоб менше проєктів відпадало на формальній оцінці.",
               "Демонстраційний приклад для цієї версії сервісу – не описує реальних результатів.\n\nДо кінцевого строку подання посадовці відділів (зелені зони, дороги, освіта) проводять чергування, де автор може перевірити власність на землю, орієнтовну вартість і здійсненність ідеї.\n\n**Що вимірювати:** частку проєктів, відхилених з формальних причин, до і після пілоту, а також кількість скарг."),
    },
}

EVENTS = [
    {
        "kind": "webinar", "days_ahead": 21, "hour": 11, "hours": 2, "place": "", "online_url": "https://example.org/webinar/rowne-udzialy",
        "capacity": 100,
        "pl": ("Webinarium: metoda równych udziałów w praktyce", "Jak działa metoda równych udziałów, jak ją wpisać do uchwały i wyjaśnić mieszkańcom.", "Omówimy przykład z bazy wiedzy i pytania uczestników. Link do spotkania otrzymają osoby zapisane."),
        "en": ("Webinar: the Method of Equal Shares in practice", "How Equal Shares works, how to write it into the resolution and explain it to residents.", "We go through the example from the knowledge hub and take questions. Registered people receive the link."),
        "uk": ("Вебінар: метод рівних часток на практиці", "Як працює метод рівних часток, як записати його в ухвалу та пояснити мешканцям.", "Розглянемо приклад із бази знань і відповімо на запитання. Зареєстровані учасники отримають посилання."),
    },
    {
        "kind": "training", "days_ahead": 42, "hour": 9, "hours": 6, "place": "Warszawa (adres podamy zapisanym uczestnikom)", "online_url": "",
        "capacity": 25,
        "pl": ("Szkolenie: ocena formalna i merytoryczna projektów", "Całodniowe warsztaty dla osób oceniających projekty budżetu obywatelskiego.", "Ćwiczymy na przykładowych projektach z listą kontrolną z bazy wiedzy: uzasadnienia, kontakt z autorem, odwołania."),
        "en": ("Training: formal and merit review of proposals", "A one-day workshop for people who review participatory budgeting proposals.", "We practise on sample proposals with the checklist from the knowledge hub: reasons, contact with authors, appeals."),
        "uk": ("Навчання: формальна й змістовна оцінка проєктів", "Одноденний практикум для тих, хто оцінює проєкти бюджету участі.", "Практикуємося на прикладах проєктів із контрольним списком з бази знань: обґрунтування, контакт з автором, оскарження."),
    },
]
