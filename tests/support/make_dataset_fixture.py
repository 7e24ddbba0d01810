#!/usr/bin/env python3
# Generates tests/fixtures/dataset/ (the files are committed; rerun after editing:
#   python3 tests/support/make_dataset_fixture.py tests/fixtures/dataset).
import json, os, sys
root = sys.argv[1]
os.makedirs(root, exist_ok=True)
def w(path, data, enc='utf-8'):
    p = os.path.join(root, path.lstrip('/'))
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, 'wb') as f:
        f.write(data.encode(enc) if isinstance(data, str) else data)

TRAM = [
 "The city council voted on Tuesday to extend the riverside tram line by four kilometres, connecting the old harbour district with the university campus for the first time.",
 "Construction is expected to begin next spring and to last about two years. The council estimates the cost at 180 million euros, two thirds of which will come from a national infrastructure fund.",
 "Supporters of the project say that the extension will take thousands of cars off the bridge every day. Buses on the harbour route are already full at rush hour, and the university plans to add another three thousand student places by the end of the decade.",
 "Critics, including several shop owners on Canal Street, worry that two years of building work will keep customers away. The council has promised a compensation scheme for businesses that can show a drop in turnover during the works.",
 "The new line will have seven stops, two of them underground near the central station. Trams will run every six minutes during the day and every fifteen minutes late at night, according to the transport authority.",
 "A public consultation on the exact route of the last section, near the old brewery, will open in January. Residents can send comments online or attend one of four meetings in the district halls.",
]
# The live version of the same story: one figure corrected, one sentence added.
TRAM_LIVE = TRAM[:4] + [TRAM[4].replace("seven stops", "eight stops"),
                        TRAM[5] + " The first trams are expected to run on the new line in the autumn of 2029."]
BEES = [
 "Keeping bees in a small urban garden is easier than many people think, but it does require patience and a little planning before the first colony arrives.",
 "The most important decision is where to place the hive. It should face away from paths and doors, get morning sun, and have a source of water nearby, such as a shallow dish filled with pebbles.",
 "Beginners are usually advised to start with two colonies rather than one. Comparing them makes it much easier to notice when something is wrong, for example when one queen stops laying eggs.",
 "During the first summer you should not expect much honey. A new colony needs its stores to survive the winter, and taking too much too early is one of the most common mistakes.",
 "Local beekeeping associations run courses every spring and often lend equipment to new members. They are also the best place to find an experienced mentor who can visit your garden.",
]
DE = [
 "Der Stadtrat hat am Dienstag beschlossen, die Straßenbahnlinie am Fluss um vier Kilometer zu verlängern. Damit wird das alte Hafenviertel zum ersten Mal direkt mit dem Universitätsgelände verbunden.",
 "Die Bauarbeiten sollen im nächsten Frühjahr beginnen und etwa zwei Jahre dauern. Die Kosten werden auf 180 Millionen Euro geschätzt, von denen zwei Drittel aus einem Förderprogramm des Bundes kommen sollen.",
 "Befürworter sagen, dass die neue Strecke jeden Tag tausende Autos von der Brücke holen wird. Kritiker befürchten dagegen, dass die lange Bauzeit den Geschäften in der Kanalstraße schaden könnte.",
]
FR = [
 "Le conseil municipal a voté mardi le prolongement de quatre kilomètres de la ligne de tramway qui longe le fleuve, afin de relier pour la première fois le vieux port au campus universitaire.",
 "Les travaux devraient commencer au printemps prochain et durer environ deux ans. Le coût est estimé à 180 millions d'euros, dont les deux tiers seront financés par un fonds national.",
 "Les partisans du projet affirment que la nouvelle ligne permettra de retirer des milliers de voitures du pont chaque jour, tandis que les commerçants craignent une baisse de leur chiffre d'affaires pendant le chantier.",
]
ES = [
 "La canción popular de nuestro pueblo tiene más de doscientos años. Los abuelos la cantaban en las fiestas de otoño, cuando terminaba la cosecha y todas las familias se reunían en la plaza.",
 "Hoy en día un grupo de jóvenes músicos quiere recuperar la melodía original. Han grabado a los vecinos más mayores y están preparando un pequeño libro con la letra y la historia de cada versión.",
 "El ayuntamiento ha prometido ayudar con la publicación, y la escuela de música organizará un concierto en primavera para presentar el trabajo a todo el pueblo.",
]

def page(title, body, head_extra='', lang='en', charset='utf-8'):
    return f'''<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="{charset}">
<title>{title}</title>
{head_extra}
</head>
<body>
{body}
</body>
</html>
'''

NAV = '''<header class="site-header"><a href="/">The Riverside Gazette</a>
<nav class="main-nav"><ul><li><a href="/">Home</a></li><li><a href="/news/tram.html">News</a></li><li><a href="/blog/bees.html">Gardening</a></li><li><a href="/shop/kettle.html">Shop</a></li><li><a href="/forum/thread.html">Forum</a></li></ul></nav></header>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience. <button>Accept all cookies</button> <a href="/privacy.html">Privacy settings</a></div>'''
SIDEBAR = '''<aside class="sidebar"><h3>Most read</h3><ul><li><a href="/blog/bees.html">How to keep bees in a small garden</a></li><li><a href="/forum/thread.html">Which kettle boils fastest?</a></li><li><a href="/food/soup.html">Grandmother's winter vegetable soup</a></li></ul>
<div class="advertisement">Advertisement: Holiday apartments by the sea, book now and save twenty percent</div></aside>'''
FOOTER = '''<footer class="site-footer"><p>Copyright 2026 The Riverside Gazette. All rights reserved.</p><ul><li><a href="/about.html">About us</a></li><li><a href="/contact.html">Contact</a></li><li><a href="/privacy.html">Privacy policy</a></li></ul></footer>'''
SHARE = '''<div class="share-buttons"><a href="/share?fb">Share on Facebook</a> <a href="/share?x">Share on X</a> <a href="/share?mail">Email this story</a></div>'''
COMMENTS = '''<section id="comments" class="comments"><h3>Comments (2)</h3><div class="comment"><p>Finally! I have been waiting ten years for this tram.</p></div><div class="comment"><p>What about the cyclists on the bridge, has anyone thought of them?</p></div></section>'''
RELATED = '''<div class="related-articles"><h3>Related stories</h3><ul><li><a href="/news/tram-print.html">Council approves budget for harbour district</a></li><li><a href="/news/tram-live.html">Live: tram vote in the council chamber</a></li></ul></div>'''

def article_html(paras, extra_top='', extra_mid=''):
    ps = [f'<p>{p}</p>' for p in paras]
    if extra_mid:
        ps.insert(3, extra_mid)
    return '\n'.join(([extra_top] if extra_top else []) + ps)

tram_ld = {"@context": "https://schema.org", "@type": "NewsArticle",
           "headline": "Council approves riverside tram extension",
           "author": [{"@type": "Person", "name": "Maria Jensen"}],
           "datePublished": "2026-11-24T09:30:00Z", "dateModified": "2026-11-24T15:05:00Z",
           "publisher": {"@type": "Organization", "name": "The Riverside Gazette"},
           "articleSection": "Local news", "inLanguage": "en"}
og = '''<meta property="og:title" content="Council approves riverside tram extension">
<meta property="og:type" content="article">
<meta property="og:site_name" content="The Riverside Gazette">
<meta property="og:description" content="Four more kilometres of tram line will link the harbour with the university.">
<meta name="description" content="Four more kilometres of tram line will link the harbour with the university.">
<meta property="article:published_time" content="2026-11-24T09:30:00Z">
<script type="application/ld+json">''' + json.dumps(tram_ld) + '</script>'

w('/news/tram.html', page('Council approves riverside tram extension | The Riverside Gazette',
  NAV + '\n<main><article class="story">\n<h1>Council approves riverside tram extension</h1>\n<p class="byline">By Maria Jensen, 24 November 2026</p>\n'
  + SHARE + '\n<div class="article-body">\n' + article_html(TRAM) + '\n</div>\n' + RELATED + '\n</article>\n' + COMMENTS + '</main>\n' + SIDEBAR + '\n' + FOOTER, og))
w('/news/tram-print.html', page('Print: Council approves riverside tram extension',
  '<div class="print-header">The Riverside Gazette, print edition</div>\n<article>\n<h1>Council approves riverside tram extension</h1>\n'
  + article_html(TRAM) + '\n</article>\n<div class="print-footer">Printed from the Riverside Gazette website.</div>'))
w('/news/tram-live.html', page('Live: Council approves riverside tram extension',
  NAV + '\n<main><article class="story">\n<h1>Live: Council approves riverside tram extension</h1>\n<div class="article-body">\n'
  + article_html(TRAM_LIVE) + '\n</div>\n</article></main>\n' + FOOTER))
w('/blog/bees.html', page('How to keep bees in a small garden - Garden notes',
  NAV + '\n<div class="content"><article class="post">\n<h1>How to keep bees in a small garden</h1>\n<div class="entry-content">\n'
  + article_html(BEES) + '\n<h2>Further reading</h2>\n<ul><li>Start with two colonies, not one.</li><li>Leave the first summer\'s honey to the bees.</li></ul>\n</div></article></div>\n' + SIDEBAR + FOOTER))
w('/de/strassenbahn.html', page('Stadtrat verlängert die Straßenbahn', '<article>\n<h1>Stadtrat verlängert die Straßenbahn</h1>\n' + article_html(DE) + '\n</article>', lang='de'))
w('/fr/tramway.html', page('Le tramway sera prolongé', '<article>\n<h1>Le tramway sera prolongé</h1>\n' + article_html(FR) + '\n</article>', lang='fr'))
# windows-1252 declared by <meta>, served without a charset parameter.
w('/es/cancion.html', page('La canción del pueblo', '<article>\n<h1>La canción del pueblo</h1>\n' + article_html(ES) + '\n</article>', lang='es', charset='windows-1252'), enc='cp1252')

product_ld = {"@context": "https://schema.org/", "@type": "Product", "name": "Stainless steel kettle, 1.7 litres",
              "brand": {"@type": "Brand", "name": "Riverside Home"}, "sku": "RH-KT-17",
              "description": "A quiet electric kettle with a 1.7 litre capacity and automatic shut-off.",
              "offers": {"@type": "Offer", "price": "39.90", "priceCurrency": "EUR", "availability": "https://schema.org/InStock"},
              "aggregateRating": {"@type": "AggregateRating", "ratingValue": "4.4", "reviewCount": "212"}}
w('/shop/kettle.html', page('Stainless steel kettle, 1.7 litres - Riverside Home shop',
  NAV + '\n<main><div class="product"><h1>Stainless steel kettle, 1.7 litres</h1><p class="price">39.90 EUR</p>\n<div class="description"><p>This quiet electric kettle boils a full 1.7 litres of water in under four minutes and switches itself off when the water boils or when the kettle is lifted from its base.</p><p>The double wall keeps the outside cool to the touch, and the removable filter keeps limescale out of your tea. It comes with a two year guarantee and free delivery.</p></div></div></main>\n' + FOOTER,
  '<script type="application/ld+json">' + json.dumps(product_ld) + '</script>'))

w('/food/soup.html', page("Grandmother's winter vegetable soup",
  '''<div itemscope itemtype="https://schema.org/Recipe">
<h1 itemprop="name">Grandmother's winter vegetable soup</h1>
<p itemprop="description">A thick and warming soup made from whatever root vegetables are in season, ready in under an hour.</p>
<meta itemprop="prepTime" content="PT20M"><meta itemprop="cookTime" content="PT40M">
<p>Serves <span itemprop="recipeYield">4 people</span>.</p>
<h2>Ingredients</h2>
<ul><li itemprop="recipeIngredient">2 carrots</li><li itemprop="recipeIngredient">1 large leek</li><li itemprop="recipeIngredient">3 potatoes</li><li itemprop="recipeIngredient">1 litre of vegetable stock</li></ul>
<h2>Method</h2>
<ol><li itemprop="recipeInstructions">Peel and chop the vegetables into small cubes.</li><li itemprop="recipeInstructions">Soften the leek in a little butter for five minutes.</li><li itemprop="recipeInstructions">Add the other vegetables and the stock, and simmer for forty minutes until everything is tender.</li></ol>
</div>'''))

forum_ld = {"@context": "https://schema.org", "@type": "DiscussionForumPosting", "headline": "Which kettle boils fastest?",
            "author": {"@type": "Person", "name": "teaLover"}, "datePublished": "2026-11-20T18:00:00Z",
            "text": "I am looking for a kettle that boils quickly and quietly. Any recommendations?",
            "comment": [{"@type": "Comment", "author": {"@type": "Person", "name": "kettleFan"}, "datePublished": "2026-11-20T18:30:00Z", "text": "The Riverside Home one is fast and very quiet."},
                        {"@type": "Comment", "author": {"@type": "Person", "name": "sam"}, "datePublished": "2026-11-21T08:00:00Z", "text": "Mine takes about four minutes for a full kettle."}]}
w('/forum/thread.html', page('Which kettle boils fastest? - Riverside forum',
  NAV + '''\n<main><div class="thread"><h1>Which kettle boils fastest?</h1>
<div class="post"><p class="author">teaLover</p><p>I am looking for a kettle that boils quickly and quietly. Any recommendations?</p></div>
<div class="post"><p class="author">kettleFan</p><p>The Riverside Home one is fast and very quiet.</p></div>
<div class="post"><p class="author">sam</p><p>Mine takes about four minutes for a full kettle.</p></div></div></main>\n''' + FOOTER,
  '<script type="application/ld+json">' + json.dumps(forum_ld) + '</script>'))

w('/spam.html', page('Cheap cheap cheap', '<div>' + '\n'.join(['<p>Lorem ipsum dolor sit amet, buy now cheap cheap cheap.</p>'] * 40) + '</div>'))

w('/feed.xml', '''<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>The Riverside Gazette</title><link>/</link><description>Local news</description>
<item><title>Council approves riverside tram extension</title><link>/news/tram.html</link><guid>tram-2026-11-24</guid><pubDate>Tue, 24 Nov 2026 09:30:00 GMT</pubDate><description>Four more kilometres of tram line will link the harbour with the university.</description></item>
<item><title>How to keep bees in a small garden</title><link>/blog/bees.html</link><guid>bees-2026-11-10</guid><pubDate>Tue, 10 Nov 2026 07:00:00 GMT</pubDate><description>Patience and a little planning.</description></item>
</channel></rss>
''')
w('/robots.txt', 'User-agent: *\nAllow: /\n')
links = ['/news/tram.html', '/news/tram-print.html', '/news/tram-live.html', '/blog/bees.html', '/de/strassenbahn.html',
         '/fr/tramway.html', '/es/cancion.html', '/shop/kettle.html', '/food/soup.html', '/forum/thread.html', '/spam.html']
w('/index.html', page('The Riverside Gazette', '<h1>The Riverside Gazette</h1>\n<ul>' + ''.join(f'<li><a href="{l}">{l}</a></li>' for l in links) + '</ul>'))
