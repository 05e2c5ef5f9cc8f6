@paging
Feature: Paging through lists
  Every list in the Members API comes in pages. The first page is page 0, a page holds
  20 items unless the client asks for another size between 1 and 100, and each page
  tells how many items and how many pages the whole list has. A client that walks
  the pages from the first to the last sees every item exactly once, in the
  documented order.

  Where the contract leaves a decision open, a deployment's dialect may decide
  otherwise: its first page may be page 1 (firstPage), a page size above 100 may be
  answered as 100 (perPageAboveMax), and a page past the end may be not found
  (pastLastPage). A scenario tagged with a setting and its value, such as the tag
  firstPage-1, holds only where the dialect says so; the others hold everywhere.

  Scenario Outline: Without page or perPage, <list> answers with its first 20 items
    Given <subject>
    When the client lists <list> without page or perPage
    Then the response status is 200
    And the page holds at most 20 items
    And the page holds the first 20 items
    And the number of pages is the number of items divided by 20, rounded up

    Examples:
      | list                             | subject                                                 |
      | the members                      | a program                                               |
      | the member's transactions        | a member with more than 100 transactions                |
      | the member's point periods       | a member with more than 100 transactions                |
      | the member's points history      | a member with more than 100 transactions                |
      | the member's suspension periods  | a currently suspended member                            |

  Scenario Outline: Walking all pages of <list> with <perPage> per page returns every item exactly once, in order
    Given <subject>
    When the client walks all pages of <list> with <perPage> per page
    Then the totals are the same on every page
    And the number of pages is the number of items divided by <perPage>, rounded up
    And every page but the last holds exactly <perPage> items
    And the last page holds the remaining items
    And every item was returned exactly once
    And the items are in the documented order of <list>

    Examples: members, ordered by id ascending
      | list        | subject   | perPage |
      | the members | a program | 1       |
      | the members | a program | 7       |
      | the members | a program | 20      |
      | the members | a program | 100     |

    Examples: transactions, newest validFrom first
      | list                      | subject                                  | perPage |
      | the member's transactions | a member with more than 100 transactions | 1       |
      | the member's transactions | a member with more than 100 transactions | 7       |
      | the member's transactions | a member with more than 100 transactions | 20      |
      | the member's transactions | a member with more than 100 transactions | 100     |

    Examples: point periods, newest startAt first
      | list                       | subject                                  | perPage |
      | the member's point periods | a member with more than 100 transactions | 1       |
      | the member's point periods | a member with more than 100 transactions | 7       |
      | the member's point periods | a member with more than 100 transactions | 20      |
      | the member's point periods | a member with more than 100 transactions | 100     |

    Examples: points history, newest createdAt first
      | list                        | subject                                  | perPage |
      | the member's points history | a member with more than 100 transactions | 1       |
      | the member's points history | a member with more than 100 transactions | 7       |
      | the member's points history | a member with more than 100 transactions | 20      |
      | the member's points history | a member with more than 100 transactions | 100     |

    Examples: suspension periods, newest startAt first
      | list                            | subject                      | perPage |
      | the member's suspension periods | a currently suspended member | 1       |
      | the member's suspension periods | a currently suspended member | 7       |
      | the member's suspension periods | a currently suspended member | 20      |
      | the member's suspension periods | a currently suspended member | 100     |

  Scenario Outline: The totals of <list> at <perPage> per page count every item and the pages they fill
    Given <subject>
    When the client lists <list> on the first page with <perPage> per page
    Then the response status is 200
    And totalItems counts every item of the whole list
    And the number of pages is the number of items divided by <perPage>, rounded up

    Examples:
      | list                            | subject                                  | perPage |
      | the members                     | a program                                | 7       |
      | the members                     | a program                                | 100     |
      | the member's transactions       | a member with more than 100 transactions | 7       |
      | the member's transactions       | a member with more than 100 transactions | 100     |
      | the member's point periods      | a member with more than 100 transactions | 7       |
      | the member's points history     | a member with more than 100 transactions | 7       |
      | the member's points history     | a member with more than 100 transactions | 100     |
      | the member's suspension periods | a currently suspended member             | 3       |
      | the member's transactions       | a newcomer                               | 20      |

  Scenario Outline: A page of <list> holds items, totalItems and totalPages and nothing else: page and perPage are not echoed
    Given <subject>
    When the client reads <list> in full
    Then every page holds only items, totalItems and totalPages

    Examples:
      | list                            | subject                                  |
      | the members                     | a program                                |
      | the member's transactions       | a member with more than 100 transactions |
      | the member's point periods      | a member with more than 100 transactions |
      | the member's points history     | a member with more than 100 transactions |
      | the member's suspension periods | a currently suspended member             |
      | the member's transactions       | a newcomer                               |

  Scenario: A member with more than 100 transactions needs more than one page even at 100 per page
    Given a member with more than 100 transactions
    When the client lists the member's transactions on the first page with 100 per page
    Then the response status is 200
    And the page holds exactly 100 items
    And the list has more than 1 page

  Scenario: A member with between 21 and 100 transactions needs more than one page by default
    Given a member with between 21 and 100 transactions
    When the client walks all pages of the member's transactions with 20 per page
    Then the list has more than 1 page
    And every item was returned exactly once
    And the items are ordered by validFrom descending, ties broken by id descending

  Scenario Outline: The documented order of <list> is <order>
    Given <subject>
    When the client walks all pages of <list> with 100 per page
    Then the items are ordered by <order>

    Examples:
      | list                            | subject                                  | order                                                |
      | the members                     | a program                                | id ascending                                         |
      | the member's transactions       | a member with more than 100 transactions | validFrom descending, ties broken by id descending   |
      | the member's transactions       | a member with between 21 and 100 transactions | validFrom descending, ties broken by id descending |
      | the member's point periods      | a member with more than 100 transactions | startAt descending, ties broken by id descending     |
      | the member's points history     | a member with more than 100 transactions | createdAt descending, ties broken by id descending   |
      | the member's points history     | a member whose points have expired and been cancelled | createdAt descending, ties broken by id descending |
      | the member's suspension periods | a currently suspended member             | startAt descending, ties broken by id descending     |

  @pastLastPage-empty
  Scenario Outline: A page just past the end of <list> is empty and keeps the totals (pastLastPage: empty)
    Given <subject>
    When the client lists <list> on the first page with 7 per page
    And the client lists <list> on the page just after the last one with 7 per page
    Then the response status is 200
    And the page is empty
    And the totals are the same as on the first page

    Examples:
      | list                            | subject                                  |
      | the members                     | a program                                |
      | the member's transactions       | a member with more than 100 transactions |
      | the member's point periods      | a member with more than 100 transactions |
      | the member's points history     | a member with more than 100 transactions |
      | the member's suspension periods | a currently suspended member             |
      | the member's transactions       | a newcomer                               |

  @pastLastPage-empty
  Scenario Outline: A page far past the end of <list> is empty and keeps the totals (pastLastPage: empty)
    Given <subject>
    When the client lists <list> on the first page with 20 per page
    And the client lists <list> page 1000000 with 20 per page
    Then the response status is 200
    And the page is empty
    And the totals are the same as on the first page

    Examples:
      | list                            | subject                                  |
      | the members                     | a program                                |
      | the member's transactions       | a member with more than 100 transactions |
      | the member's points history     | a member with more than 100 transactions |
      | the member's suspension periods | a currently suspended member             |

  @pastLastPage-notFound
  Scenario Outline: A page past the end of <list> is not found, with the Error body (pastLastPage: notFound)
    Given <subject>
    When the client lists <list> on the <page> with <perPage> per page
    Then the answer is a "Not Found" error
    And the error body carries the same correlation id as the response

    Examples:
      | list                            | subject                                  | page                           | perPage |
      | the members                     | a program                                | page just after the last one   | 7       |
      | the member's transactions       | a member with more than 100 transactions | page just after the last one   | 7       |
      | the member's point periods      | a member with more than 100 transactions | page just after the last one   | 7       |
      | the member's points history     | a member with more than 100 transactions | page just after the last one   | 7       |
      | the member's suspension periods | a currently suspended member             | page just after the last one   | 7       |
      | the member's transactions       | a newcomer                               | second page                    | 20      |

  @pastLastPage-notFound
  Scenario Outline: A page far past the end of <list> is not found (pastLastPage: notFound)
    Given <subject>
    When the client lists <list> page 1000000 with 20 per page
    Then the answer is a "Not Found" error

    Examples:
      | list                            | subject                                  |
      | the members                     | a program                                |
      | the member's transactions       | a member with more than 100 transactions |
      | the member's points history     | a member with more than 100 transactions |
      | the member's suspension periods | a currently suspended member             |

  Scenario Outline: An empty list, <list> of a newcomer, has no items and no pages
    Given a newcomer
    When the client lists <list> on the <page> page with <perPage> per page
    Then the response status is 200
    And the list is empty with no pages

    Examples:
      | list                            | page  | perPage |
      | the member's transactions       | first | 20      |
      | the member's transactions       | first | 1       |
      | the member's point periods      | first | 20      |
      | the member's points history     | first | 100     |
      | the member's suspension periods | first | 20      |

    @pastLastPage-empty
    Examples: past the end of an empty list (pastLastPage: empty)
      | list                            | page   | perPage |
      | the member's transactions       | second | 1       |

  Scenario Outline: The smallest and largest page sizes are accepted (<query>)
    Given a member with more than 100 transactions
    When the client lists <list> with query "<query>"
    Then the response status is 200
    And the page holds at most <max> items

    Examples:
      | list                      | query       | max |
      | the member's transactions | perPage=1   | 1   |
      | the member's transactions | perPage=100 | 100 |
      | the members               | perPage=100 | 100 |

  Scenario Outline: The first page is page <first>, with any page size (firstPage: <first>, <query>)
    Given a member with more than 100 transactions
    When the client lists <list> with query "<query>"
    Then the response status is 200
    And the page holds at most <max> items
    And the answer is the same as with query "<same>"

    @firstPage-0
    Examples: the contract's first page, 0
      | first | list                      | query              | max | same                 |
      | 0     | the member's transactions | page=0             | 20  | perPage=20           |
      | 0     | the member's transactions | page=0&perPage=1   | 1   | perPage=1            |
      | 0     | the members               | page=0&perPage=100 | 100 | perPage=100          |

    @firstPage-1
    Examples: a dialect's first page, 1
      | first | list                      | query              | max | same                 |
      | 1     | the member's transactions | page=1             | 20  | perPage=20           |
      | 1     | the member's transactions | page=1&perPage=1   | 1   | perPage=1            |
      | 1     | the members               | page=1&perPage=100 | 100 | perPage=100          |

  @errors
  Scenario Outline: A page size or page number out of bounds (<query>) is refused, naming the parameter
    Given a member with more than 100 transactions
    When the client lists <list> with query "<query>"
    Then the answer is a "Bad Request" error
    And the error names the parameter "<parameter>"

    Examples: every way to get the paging parameters wrong
      | list                      | query              | parameter |
      | the member's transactions | perPage=0          | perPage   |
      | the member's transactions | perPage=-1         | perPage   |
      | the member's transactions | perPage=abc        | perPage   |
      | the member's transactions | perPage=2.5        | perPage   |
      | the member's transactions | page=-1            | page      |
      | the member's transactions | page=abc           | page      |
      | the member's transactions | page=1.5           | page      |
      | the member's transactions | page=-1&perPage=20 | page      |
      | the member's transactions | page=2&perPage=0   | perPage   |

    Examples: every list checks them
      | list                            | query       | parameter |
      | the members                     | perPage=0   | perPage   |
      | the members                     | page=-1     | page      |
      | the members                     | page=abc    | page      |
      | the member's point periods      | perPage=0   | perPage   |
      | the member's point periods      | page=-1     | page      |
      | the member's point periods      | page=abc    | page      |
      | the member's points history     | perPage=0   | perPage   |
      | the member's points history     | page=-1     | page      |
      | the member's points history     | page=abc    | page      |
      | the member's suspension periods | perPage=0   | perPage   |
      | the member's suspension periods | page=-1     | page      |
      | the member's suspension periods | page=abc    | page      |

  @errors @firstPage-1
  Scenario Outline: Page 0 is refused, naming page, where the first page is 1 (firstPage: 1): <list>
    Given a member with more than 100 transactions
    When the client lists <list> with query "page=0"
    Then the answer is a "Bad Request" error
    And the error names the parameter "page"

    Examples:
      | list                            |
      | the members                     |
      | the member's transactions       |
      | the member's point periods      |
      | the member's points history     |
      | the member's suspension periods |

  @errors @perPageAboveMax-reject
  Scenario Outline: A page size above 100 (<query>) is refused, naming perPage (perPageAboveMax: reject): <list>
    Given a member with more than 100 transactions
    When the client lists <list> with query "<query>"
    Then the answer is a "Bad Request" error
    And the error names the parameter "perPage"

    Examples:
      | list                            | query          |
      | the member's transactions       | perPage=101    |
      | the member's transactions       | perPage=100000 |
      | the members                     | perPage=101    |
      | the member's point periods      | perPage=101    |
      | the member's points history     | perPage=101    |
      | the member's suspension periods | perPage=101    |

  @perPageAboveMax-clamp
  Scenario Outline: A page size above 100 (<query>) is answered as 100 per page (perPageAboveMax: clamp): <list>
    Given a member with more than 100 transactions
    When the client lists <list> with query "<query>"
    Then the response status is 200
    And the page holds at most 100 items
    And the answer is the same as with query "perPage=100"

    Examples:
      | list                            | query          |
      | the member's transactions       | perPage=101    |
      | the member's transactions       | perPage=100000 |
      | the members                     | perPage=101    |
      | the member's point periods      | perPage=101    |
      | the member's points history     | perPage=500    |
      | the member's suspension periods | perPage=101    |

  @perPageAboveMax-clamp
  Scenario: A page size above 100 still gives more than 100 items to a walk of 100 per page (perPageAboveMax: clamp)
    Given a member with more than 100 transactions
    When the client lists the member's transactions with query "perPage=500"
    Then the response status is 200
    And the page holds exactly 100 items
    And the list has more than 1 page
    And the number of pages is the number of items divided by 100, rounded up

  @errors
  Scenario Outline: A page number and a page size that are both wrong are both named, once each (<list>)
    Given a member with more than 100 transactions
    When the client lists <list> with query "page=-1&perPage=0"
    Then the answer is a "Bad Request" error
    And the error names the parameters "page" and "perPage"

    Examples:
      | list                            |
      | the members                     |
      | the member's transactions       |
      | the member's point periods      |
      | the member's points history     |
      | the member's suspension periods |
