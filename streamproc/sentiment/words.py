"""Hand-curated word lists for the six languages: negators, intensifiers,
contrast words, brand-crisis vocabulary and corrections to the
machine-translated AFINN lexicons.

Valences use AFINN's scale (-5 .. +5). These lists override the bundled
lexicons, because machine translation gets exactly the words that matter for
crises wrong (AFINN-ca scores "no" as -1, and has no "caducat" at all).
"""

from __future__ import annotations


def _words(spec: str) -> frozenset[str]:
    return frozenset(spec.split())


LANGS: tuple[str, ...] = ("es", "ca", "it", "en", "pt", "fr")
"""The languages the scorer and detector are built and measured for."""

NEGATORS: dict[str, frozenset[str]] = {
    "en": _words(
        "not no never nothing nobody none neither nor without cannot cant dont "
        "doesnt didnt isnt wasnt wont wouldnt shouldnt couldnt arent aint hardly"
    ),
    "es": _words("no nunca jamás jamas ni tampoco nada nadie ningún ninguna sin"),
    "ca": _words("no mai ni tampoc gens res ningú cap sense"),
    "it": _words("non mai né ne nessun nessuno nessuna niente nulla senza"),
    "pt": _words("não nao nunca jamais nem nenhum nenhuma nada ninguém sem"),
    "fr": _words("ne n' pas jamais rien personne aucun aucune sans plus guère"),
}
"""Words that flip the valence of what follows (until a clause break)."""

INTENSIFIERS: dict[str, float] = dict.fromkeys(
    _words(
        "very so really too extremely totally absolutely super soo damn truly "
        "completely utterly most "
        "muy tan tanto tantísimo demasiado súper realmente totalmente absolutamente "
        "molt tant massa realment totalment absolutament força "
        "molto troppo davvero veramente proprio assolutamente "
        "muito tão demais bem mto mt "
        "très trop vraiment tellement totalement absolument vachement grave hyper"
    ),
    1.5,
)
INTENSIFIERS.update(
    dict.fromkeys(
        _words(
            "bit slightly somewhat little kinda sorta poco algo mica poc po' "
            "abbastanza pouco meio peu assez plutôt"
        ),
        0.5,
    )
)
"""Multipliers for the next sentiment word: boosters > 1, dampeners < 1."""

CONTRAST: frozenset[str] = _words(
    "but however though although yet pero sino aunque però ma tuttavia "
    "mas porém contudo todavia mais pourtant cependant"
)
"""After one of these the clause that follows counts more (VADER's "but" rule)."""

_CRISIS = {
    "en": (
        "refund:-2 refunds:-2 refunded:-1 expired:-3 poisoned:-4 poisoning:-4 "
        "poison:-3 strike:-2 strikes:-2 outage:-3 outages:-3 recall:-3 recalled:-3 "
        "scam:-4 scammed:-4 fraud:-4 broken:-3 overcharged:-3 cancelled:-2 "
        "canceled:-2 delayed:-2 delay:-2 lawsuit:-3 boycott:-3 leak:-2 leaked:-2 "
        "breach:-3 contaminated:-4 vomiting:-4 sick:-2 mold:-3 mould:-3 rotten:-4 "
        "ripoff:-4 rip-off:-4 disgusting:-4 worst:-4 useless:-3 unacceptable:-4 "
        "shame:-3 shameful:-4 terrible:-4 awful:-4 horrible:-4 crap:-3 sucks:-3 "
        "down:-1 failed:-2 fail:-2 failure:-3 complaint:-2 complaints:-2 "
        "unreliable:-3 dangerous:-3 hacked:-3 stolen:-3 recommend:2 works:1 "
        "working:1 like:2 love:3"
    ),
    "es": (
        "reembolso:-2 devolución:-1 devolucion:-1 caducado:-3 caducada:-3 "
        "caducados:-3 caducadas:-3 envenenado:-4 envenenados:-4 intoxicación:-4 "
        "intoxicacion:-4 intoxicados:-4 intoxicado:-4 huelga:-2 caída:-2 caida:-2 "
        "apagón:-3 apagon:-3 avería:-3 averia:-3 retirada:-2 estafa:-4 estafadores:-4 "
        "fraude:-4 timo:-4 roto:-3 rota:-3 cancelado:-2 cancelada:-2 retraso:-2 "
        "retrasos:-2 demanda:-1 boicot:-3 filtración:-2 contaminado:-4 contaminada:-4 "
        "vómitos:-4 vergüenza:-4 verguenza:-4 asco:-4 asqueroso:-4 pésimo:-4 "
        "pesimo:-4 fatal:-3 horrible:-4 lamentable:-4 penoso:-3 peor:-3 "
        "funciona:1 recomiendo:2 recomendable:2 gusta:2 gustó:2 gusto:1 "
        "encanta:3 encantó:3 bueno:2 buena:2 mal:-2 mala:-2 malo:-2 "
        "queja:-2 quejas:-2 reclamación:-2 reclamacion:-2 estafan:-4 robo:-3"
    ),
    "ca": (
        "reemborsament:-2 devolució:-1 caducat:-3 caducada:-3 caducats:-3 "
        "enverinat:-4 enverinats:-4 intoxicació:-4 intoxicats:-4 intoxicat:-4 "
        "vaga:-2 caiguda:-2 apagada:-3 avaria:-3 retirada:-2 estafa:-4 frau:-4 "
        "trencat:-3 trencada:-3 cancel·lat:-2 cancel·lada:-2 retard:-2 retards:-2 "
        "boicot:-3 vergonya:-4 contaminat:-4 fàstic:-4 fastigós:-4 pèssim:-4 "
        "pèssima:-4 horrible:-4 lamentable:-4 pitjor:-3 fatal:-3 malament:-3 "
        "brut:-3 bruta:-3 bruts:-3 soroll:-2 sorollós:-2 funciona:1 recomano:2 "
        "recomanable:2 agrada:2 agradat:2 agradable:2 bo:2 bona:2 bé:2 molt:0 "
        "excel·lent:4 perfecte:3 net:2 neta:2 amable:2 amables:2 dolent:-3 "
        "dolenta:-3 queixa:-2 no:0 res:0 car:-1 cara:-1 petit:-1 petita:-1"
    ),
    "it": (
        "rimborso:-2 scaduto:-3 scaduta:-3 scaduti:-3 avvelenato:-4 avvelenati:-4 "
        "intossicazione:-4 intossicati:-4 sciopero:-2 scioperi:-2 guasto:-3 "
        "disservizio:-3 disservizi:-3 interruzione:-2 richiamo:-2 truffa:-4 "
        "truffatori:-4 frode:-4 rotto:-3 rotta:-3 cancellato:-2 cancellata:-2 "
        "ritardo:-2 ritardi:-2 boicottaggio:-3 vergogna:-4 schifo:-4 "
        "contaminato:-4 pessimo:-4 pessima:-4 orribile:-4 peggio:-3 peggiore:-3 "
        "funziona:1 consiglio:1 piace:2 piaciuto:2 buono:2 buona:2 male:-2 "
        "brutto:-3 brutta:-3 reclamo:-2 vergognoso:-4 schifoso:-4 ladri:-4"
    ),
    "pt": (
        "reembolso:-2 devolução:-1 vencido:-3 vencida:-3 vencidos:-3 estragado:-3 "
        "estragada:-3 envenenado:-4 intoxicação:-4 intoxicados:-4 greve:-2 "
        "queda:-2 pane:-3 apagão:-3 recall:-3 golpe:-3 fraude:-4 quebrado:-3 "
        "quebrada:-3 cancelado:-2 cancelada:-2 atraso:-2 atrasado:-2 boicote:-3 "
        "vergonha:-4 contaminado:-4 nojo:-4 nojento:-4 péssimo:-4 pessimo:-4 "
        "péssima:-4 horrível:-4 horrivel:-4 pior:-3 lixo:-4 funciona:1 "
        "recomendo:2 gostei:2 gosto:2 bom:2 boa:2 mal:-2 ruim:-3 reclamação:-2 "
        "reclamacao:-2 odeio:-4 merda:-4 roubo:-3 ladrões:-4"
    ),
    "fr": (
        "remboursement:-2 remboursez:-2 périmé:-3 périmés:-3 périmée:-3 "
        "empoisonné:-4 empoisonnés:-4 intoxication:-4 intoxiqués:-4 grève:-2 "
        "panne:-3 coupure:-2 rappel:-1 arnaque:-4 escroquerie:-4 escrocs:-4 "
        "fraude:-4 cassé:-3 cassée:-3 annulé:-2 annulée:-2 retard:-2 retards:-2 "
        "boycott:-3 honte:-4 honteux:-4 nul:-3 nulle:-3 contaminé:-4 dégueulasse:-4 "
        "dégoûtant:-4 pire:-3 horrible:-4 lamentable:-4 catastrophe:-3 "
        "marche:1 fonctionne:1 recommande:2 aime:2 aimé:2 bon:2 bonne:2 mal:-2 "
        "mauvais:-3 mauvaise:-3 plainte:-2 merde:-4 chiant:-3 terrible:0"
    ),
}

CRISIS_AND_CORE: dict[str, dict[str, float]] = {
    lang: {w: float(v) for w, _, v in (item.rpartition(":") for item in spec.split())}
    for lang, spec in _CRISIS.items()
}
"""Per-language valences that override the bundled lexicons."""

PHRASES: dict[str, dict[tuple[str, str], float]] = {
    "en": {
        ("rip", "off"): -4,
        ("food", "poisoning"): -5,
        ("customer", "service"): 0,
        ("not", "working"): -3,
        ("doesn't", "work"): -3,
        ("no", "refund"): -3,
        ("never", "again"): -4,
        ("fed", "up"): -3,
        ("waste", "of"): -3,
    },
    "es": {
        ("no", "funciona"): -3,
        ("no", "recomiendo"): -4,
        ("sin", "servicio"): -3,
        ("da", "asco"): -4,
        ("una", "vergüenza"): -4,
        ("nunca", "más"): -4,
        ("qué", "asco"): -4,
    },
    "ca": {
        ("no", "funciona"): -3,
        ("una", "vergonya"): -4,
        ("no", "recomano"): -4,
        ("fa", "fàstic"): -4,
        ("mai", "més"): -4,
    },
    "it": {
        ("fa", "schifo"): -5,
        ("non", "funziona"): -3,
        ("che", "schifo"): -5,
        ("mai", "più"): -4,
        ("non", "consiglio"): -4,
    },
    "pt": {
        ("não", "funciona"): -3,
        ("não", "recomendo"): -4,
        ("nao", "recomendo"): -4,
        ("nao", "funciona"): -3,
        ("fora", "do"): -1,
        ("nunca", "mais"): -4,
        ("que", "vergonha"): -4,
    },
    "fr": {
        ("pas", "terrible"): -2,
        ("c'", "est"): 0,
        ("est", "nul"): -3,
        ("marche", "pas"): -3,
        ("fonctionne", "pas"): -3,
        ("plus", "jamais"): -4,
        ("ne", "recommande"): -3,
        ("recommande", "pas"): -3,
        ("foutage", "de"): -4,
    },
}
"""Two-word expressions scored as one unit (negation already folded in)."""

FLIPPABLE: frozenset[str] = _words(
    "bad mal malo mala dolent dolenta malament male brutto brutta ruim mauvais "
    "mauvaise terrible horrible pesimo pessimo car cara petit petita"
)
"""Curated negative words that negation does soften ("no es malo").

Every other curated negative word (refund, outage, caducat, vergogna ...)
keeps its sign under negation: "no refund", "sin reembolso" stay complaints.
"""

POST_NEGATORS: dict[str, frozenset[str]] = {
    "fr": frozenset({"pas", "jamais", "rien", "plus"}),
    "ca": frozenset({"pas", "gens"}),
}
"""Negators that may follow the word they negate ("j'aime pas")."""

SHARED_NEGATORS: frozenset[str] = frozenset({"no", "not", "non", "não", "nao", "never"})
"""Negators honoured whatever the language (code-switching, "und")."""

EMOTICON_VALENCE: dict[str, float] = {"<emo+>": 2.0, "<emo->": -2.0}
