"""French review texts for the demo's Belgian brand (Walloon and Brussels customers).

Written for the demo, as a French-speaking Belgian customer of a web shop would write: the
same topics and tones as the Dutch pool (``reviews.py``), not translations of it. ``{merk}``
is replaced by the brand name.
"""

from __future__ import annotations

from klantstem.demo.reviews import Tone

TOPIC_SENTENCES: dict[str, dict[Tone, tuple[str, ...]]] = {
    "bestellen": {
        "pos": (
            "Commander sur le site est simple et rapide.",
            "Le paiement par Bancontact a fonctionné du premier coup.",
            "J'ai reçu la confirmation de commande tout de suite par mail.",
            "Le site est clair, on trouve facilement ce qu'on cherche.",
        ),
        "neu": (
            "Le site fonctionne, mais la recherche n'est pas terrible.",
            "La commande s'est bien passée, même si j'ai dû créer un compte.",
            "Les fiches produits pourraient être plus détaillées.",
        ),
        "neg": (
            "Le site a planté au moment de payer et j'ai dû tout recommencer.",
            "Mon code promo n'a pas été accepté alors qu'il était encore valable.",
            "L'article était indiqué en stock, puis on m'a annoncé une rupture après le paiement.",
            "J'ai été débitée deux fois pour une seule commande.",
        ),
    },
    "bezorging": {
        "pos": (
            "Livraison en deux jours à Namur, impeccable.",
            "Le colis est arrivé bien emballé et plus tôt que prévu.",
            "Le livreur de bpost était très aimable.",
            "Expédié le jour même, reçu le lendemain.",
        ),
        "neu": (
            "La livraison a pris un jour de plus que prévu, mais rien de grave.",
            "Le colis a été déposé chez un voisin, heureusement qu'il était là.",
            "Le suivi du colis n'était pas toujours à jour.",
        ),
        "neg": (
            "Mon colis n'est jamais arrivé et personne ne sait où il est.",
            "Livraison en retard d'une semaine sans la moindre explication.",
            "Le livreur n'a même pas sonné, il a laissé un avis de passage.",
            "Le carton est arrivé écrasé et ouvert.",
        ),
    },
    "retour": {
        "pos": (
            "Le retour était gratuit et le remboursement est arrivé en trois jours.",
            "Échange de taille sans aucun souci.",
            "L'étiquette de retour était dans le colis, très pratique.",
        ),
        "neu": (
            "Le remboursement a pris deux semaines, un peu long.",
            "Le retour fonctionne, mais il faut l'imprimer soi-même.",
        ),
        "neg": (
            "J'ai renvoyé l'article il y a un mois et je n'ai toujours pas été remboursé.",
            "Ils refusent l'échange alors que l'article n'a jamais été porté.",
            "Le retour est payant et la procédure est compliquée.",
        ),
    },
    "klantenservice": {
        "pos": (
            "Le service client a répondu en moins d'une heure.",
            "Une conseillère très gentille a réglé mon problème au téléphone.",
            "Service client à l'écoute et efficace.",
        ),
        "neu": (
            "Le service client répond, mais il faut parfois relancer.",
            "Au téléphone on attend un peu, ensuite ils sont aimables.",
        ),
        "neg": (
            "Le service client ne répond ni aux mails ni au téléphone.",
            "Quarante minutes d'attente pour parler à quelqu'un qui ne sait rien.",
            "On me répond uniquement en néerlandais alors que j'écris en français.",
            "Ma réclamation est restée sans réponse depuis deux semaines.",
        ),
    },
    "prijs": {
        "pos": (
            "Les prix sont vraiment corrects.",
            "Très bon rapport qualité-prix.",
            "Moins cher que dans les magasins du coin.",
        ),
        "neu": (
            "Les prix sont dans la moyenne.",
            "Les frais de port sont un peu élevés pour la Belgique.",
        ),
        "neg": (
            "Beaucoup trop cher pour ce que c'est.",
            "Les prix ont augmenté du jour au lendemain.",
            "Des frais cachés sont apparus au moment de payer.",
        ),
    },
    "kwaliteit": {
        "pos": (
            "Le produit est de très bonne qualité.",
            "Conforme à la description, solide et bien fini.",
            "La qualité est au rendez-vous.",
        ),
        "neu": (
            "Le produit est correct, sans plus.",
            "La couleur est un peu différente de la photo.",
        ),
        "neg": (
            "L'appareil est tombé en panne après deux semaines.",
            "Qualité médiocre, les coutures lâchent déjà.",
            "L'article était défectueux dès le déballage.",
        ),
    },
    "app": {
        "pos": (
            "L'application est pratique pour suivre mes commandes.",
            "L'appli est rapide et bien pensée.",
        ),
        "neu": (
            "L'application fonctionne, mais elle est souvent lente.",
        ),
        "neg": (
            "L'application plante à chaque ouverture.",
            "Depuis la mise à jour, impossible de me connecter dans l'appli.",
        ),
    },
    "winkel": {
        "pos": (
            "Accueil chaleureux au magasin de Liège.",
            "Les vendeurs en magasin sont de bon conseil.",
        ),
        "neu": (
            "Le magasin est bien, mais il y a souvent une file à la caisse.",
        ),
        "neg": (
            "Une seule caisse ouverte un samedi, une demi-heure d'attente.",
            "La vendeuse en magasin m'a ignorée pendant dix minutes.",
        ),
    },
}

OPENERS: dict[Tone, tuple[str, ...]] = {
    "pos": (
        "Cliente chez {merk} depuis des années, jamais déçue.",
        "Première commande chez {merk} et très satisfait.",
        "Une belle expérience avec {merk}.",
    ),
    "neu": (
        "Expérience mitigée avec {merk}.",
        "C'était ma deuxième commande chez {merk}.",
    ),
    "neg": (
        "Plus jamais {merk}.",
        "Très déçue, je n'attendais pas ça de {merk}.",
        "Je laisse rarement un avis, mais là il le faut.",
    ),
}

CLOSERS: dict[Tone, tuple[str, ...]] = {
    "pos": ("Je recommande !", "Cinq étoiles méritées.", "Merci et à bientôt."),
    "neu": ("Trois étoiles pour l'instant.", "Peut mieux faire."),
    "neg": ("Je déconseille.", "J'espère que quelqu'un chez {merk} lira ceci.", "Quelle perte de temps."),
}

TITLES: dict[Tone, tuple[str, ...]] = {
    "pos": ("Parfait", "Très satisfait", "Rapide et efficace", "Je recommande"),
    "neu": ("Correct", "Peut mieux faire", "Mitigé"),
    "neg": ("Déçu", "À éviter", "Très mauvaise expérience", "Inadmissible"),
}
